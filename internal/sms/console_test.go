package sms

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConsoleSend(t *testing.T) {
	var b strings.Builder
	c := NewConsole(&b)
	sid, err := c.Send(context.Background(), "+15551234567", "Your visit is on May 3.\nReply C to confirm.")
	if err != nil || sid != "console-1" {
		t.Fatalf("Send = %q, %v, want console-1", sid, err)
	}
	sid, err = c.Send(context.Background(), "+447700900123", "Hola")
	if err != nil || sid != "console-2" {
		t.Fatalf("second Send = %q, %v, want console-2", sid, err)
	}
	want := "SMS to +1******4567:\nYour visit is on May 3.\nReply C to confirm.\n\n" +
		"SMS to +4*******0123:\nHola\n\n"
	if b.String() != want {
		t.Errorf("console shows\n%q\nwant\n%q", b.String(), want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Send(ctx, "+15551234567", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want Canceled", err)
	}
}

// TestConsoleConcurrent checks blocks never interleave and sids are unique.
func TestConsoleConcurrent(t *testing.T) {
	var b strings.Builder
	c := NewConsole(&b)
	var mu sync.Mutex
	sids := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			sid, err := c.Send(context.Background(), "+15551234567", fmt.Sprintf("line one %d\nline two %d", i, i))
			if err != nil {
				t.Errorf("Send: %v", err)
			}
			mu.Lock()
			sids[sid] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(sids) != 50 {
		t.Errorf("50 sends gave %d distinct sids", len(sids))
	}
	blocks := strings.Split(strings.TrimSuffix(b.String(), "\n\n"), "\n\n")
	if len(blocks) != 50 {
		t.Fatalf("console has %d blocks, want 50", len(blocks))
	}
	for _, bl := range blocks {
		var i, j int
		if _, err := fmt.Sscanf(bl, "SMS to +1******4567:\nline one %d\nline two %d", &i, &j); err != nil || i != j {
			t.Errorf("interleaved block %q", bl)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

func TestConsoleWriteError(t *testing.T) {
	if _, err := NewConsole(failingWriter{}).Send(context.Background(), "+15551234567", "x"); err == nil {
		t.Errorf("Send to a failing writer = nil error")
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+15551234567", "+1******4567"},
		{"+447700900123", "+4*******0123"},
		{"+12345678", "+1***5678"},
		{"+1234567", "***"}, // too short to hide anything
		{"15551234567", "***"},
		{"+1 555 123 4567", "***"},
		{"whatsapp:+15551234567", "***"},
		{"", "***"},
		{"+1555123456789012", "***"}, // longer than E.164
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
