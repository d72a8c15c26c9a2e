package intents

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{" Stop!! ", "stop"},
		{"cancel.", "cancel"},
		{"ＳＴＯＰ", "stop"},                         // full width, NFKC
		{"  Hello \t\n  World  ", "hello world"}, // collapse
		{"\u200bstop\u200d", "stop"},             // zero-width chars
		{"\u202eSTOP\u202c", "stop"},             // RTL override
		{"\u200fتوقف\u200f", "توقف"},             // RTL marks
		{"st\x00op", "st op"},                    // control char
		{"\xff\xfestop", "stop"},                 // invalid UTF-8
		{"ARRÊT", "arrêt"},
		{"СТОП", "стоп"},
		{"👍", "👍"},
		{"¿Sí?", "sí"},
		{"...", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"arrêt", "arret"},
		{"dừng", "dung"},
		{"đúng", "dung"},
		{"straße", "strasse"},
		{"hayır", "hayir"},
		{"bẹ́ẹ̀ni", "beeni"},
		{"όχι", "οχι"},
		{"नहीं", "नहीं"}, // Devanagari marks kept
		{"й", "й"},       // Cyrillic kept
		{"ไม่", "ไม่"},   // Thai tone kept
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanTruncates(t *testing.T) {
	long := strings.Repeat("é", MaxLen+500)
	got := clean(long)
	if n := utf8.RuneCountInString(got); n != MaxLen {
		t.Errorf("clean(%d runes) has %d runes, want %d", MaxLen+500, n, MaxLen)
	}
	if !utf8.ValidString(clean("a\xc3")) {
		t.Errorf("clean(%q) is not valid UTF-8", "a\xc3")
	}
}
