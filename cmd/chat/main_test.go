package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"clinicsms/dialogue"
	"clinicsms/intents"
)

// cheapReader is the trained model with the script detector instead of
// lingua (which costs 0.5 GB a process).
func cheapReader(bool) (dialogue.Reader, error) {
	readerOnce.Do(func() { reader, readerErr = intents.ScriptReader() })
	return reader, readerErr
}

var (
	readerOnce sync.Once
	reader     dialogue.Reader
	readerErr  error
)

func TestChatPlaysThePatient(t *testing.T) {
	var out strings.Builder
	in := strings.NewReader("si claro, ahí estaré\ngracias\n\n")
	if err := run(context.Background(), []string{"-as", "maria"}, in, &out, cheapReader); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"You are texting from +15550100001",
		"clinic> Hola Maria",      // the reminder, in Spanish
		"[lang=es intent=confirm", // the reading shown each turn
		"-> state idle]",
		"(no reply)", // "gracias" needs none
	} {
		if !strings.Contains(got, want) {
			t.Errorf("chat output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "clinic>") != 2 {
		t.Errorf("want 2 clinic texts (reminder, confirmation):\n%s", got)
	}
}

func TestChatUnknownNumberIsHandedOver(t *testing.T) {
	var out strings.Builder
	in := strings.NewReader("Where do I park?\n")
	if err := run(context.Background(), []string{"-as", "+15550109999"}, in, &out, cheapReader); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "-> state escalated]") {
		t.Errorf("unknown number not escalated:\n%s", got)
	}
}

func TestChatRejectsBadFlags(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-tz", "Mars/Olympus"}, strings.NewReader(""), &out, cheapReader); err == nil {
		t.Error("run with an unknown time zone = nil error")
	}
}
