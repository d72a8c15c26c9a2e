package intents

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestReadLayers(t *testing.T) {
	r := testReader(t)
	tests := []struct {
		text, known string
		intent      Label
		kw          Keyword
		source      string
		sure        bool
	}{
		{"", "", Other, KeywordNone, "empty", false},
		{"  \t ", "es", Other, KeywordNone, "empty", false},
		{" Stop!! ", "", OptOut, KeywordStop, "keyword", true},
		{" Cancel. ", "en", OptOut, KeywordStop, "keyword", true},
		{"BAJA", "es", OptOut, KeywordStop, "keyword", true},
		{"退订", "zh", OptOut, KeywordStop, "keyword", true},
		{"START", "", Other, KeywordStart, "keyword", true},
		{"unstop", "", Other, KeywordStart, "keyword", true},
		{"HELP", "", Help, KeywordHelp, "keyword", true},
		{"info", "fr", Help, KeywordHelp, "keyword", true},
		{"C", "", Confirm, KeywordNone, "code", true},
		{"x", "es", Cancel, KeywordNone, "code", true},
		{"R.", "", Reschedule, KeywordNone, "code", true},
		{"W", "", Waitlist, KeywordNone, "code", true},
		{"cancel my appointment", "en", Cancel, KeywordNone, "model", true},
		{"please cancel", "en", Cancel, KeywordNone, "model", true},
	}
	for _, tt := range tests {
		got := r.Read(tt.text, tt.known)
		if got.Intent != tt.intent || got.Keyword != tt.kw || got.Source != tt.source || got.Sure != tt.sure {
			t.Errorf("Read(%q, %q) = %+v, want intent %q keyword %q source %q sure %v",
				tt.text, tt.known, got, tt.intent, tt.kw, tt.source, tt.sure)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("Read(%q, %q).Confidence = %v, want 0..1", tt.text, tt.known, got.Confidence)
		}
	}
}

func TestReadModelIntents(t *testing.T) {
	r := testReader(t)
	tests := []struct {
		text, known string
		want        Label
	}{
		{"yes I'll be there", "en", Confirm},
		{"I need to cancel my appointment", "en", Cancel},
		{"can we do Friday afternoon instead?", "en", Reschedule},
		{"no more texts please", "en", OptOut},
		{"sí, ahí estaré", "es", Confirm},
		{"no más mensajes por favor", "es", OptOut},
		{"我要取消预约", "zh", Cancel},
		{"Я не смогу прийти, отмените запись", "ru", Cancel},
		{"👍", "en", Confirm},
	}
	for _, tt := range tests {
		got := r.Read(tt.text, tt.known)
		if got.Intent != tt.want || got.Source != "model" {
			t.Errorf("Read(%q, %q) = %+v, want intent %q from the model", tt.text, tt.known, got, tt.want)
		}
	}
}

func TestReadLanguagePrior(t *testing.T) {
	r := testReader(t)
	// Short replies never flip a known language.
	for _, known := range []string{"ru", "zh", "ar"} {
		for _, text := range []string{"ok", "si", "2", "👍", "C", "STOP", "Ok!", "yes", "好", "oui"} {
			got := r.Read(text, known)
			if got.Lang != known {
				t.Errorf("Read(%q, %q).Lang = %q, want %q", text, known, got.Lang, known)
			}
			if got.LangSure && got.Lang != known {
				t.Errorf("Read(%q, %q).LangSure = true for another language", text, known)
			}
		}
	}
	tests := []struct {
		text, known, want string
		sure              bool
	}{
		{"No podré ir a mi cita de mañana, lo siento mucho", "", "es", true},
		{"No podré ir a mi cita de mañana, lo siento mucho", "en", "es", true},
		{"我明天不能来，请帮我改到下周", "ru", "zh", true},
		{"我明天不能来，请帮我改到下周", "", "zh", true},
		{"明天", "ru", "ru", false}, // two characters are one word
		{"Я не смогу прийти на приём завтра", "", "ru", true},
		{"I will be there tomorrow, thank you", "en", "en", true},
		{"kal nahi aa paunga", "hi", "hi", false},
		{"see you", "es", "es", false},
		{"", "", "en", false},
		{"👍👍", "", "en", false},
	}
	for _, tt := range tests {
		got := r.Read(tt.text, tt.known)
		if got.Lang != tt.want || (tt.sure && !got.LangSure) {
			t.Errorf("Read(%q, %q) lang = %q sure %v, want %q sure %v", tt.text, tt.known, got.Lang, got.LangSure, tt.want, tt.sure)
		}
	}
}

func TestReadRomanisedHindi(t *testing.T) {
	r := testReader(t)
	// lingua alone calls this Tagalog; the corpus n-grams know better.
	text := "kal nahi aa paunga, appointment cancel kar do"
	if l, _ := r.Language(text, ""); l != "hi" && l != "ur" {
		t.Errorf("Language(%q, \"\") = %q, want hi (or ur, which reads the same romanised)", text, l)
	}
}

func TestReadOddInput(t *testing.T) {
	r := testReader(t)
	inputs := []string{
		strings.Repeat("cancel my appointment ", 500),
		strings.Repeat("取消", 5000),
		"\xff\xfe\xfd",
		"\u202e\u200b\u200d\u2066\u2069",
		"a\x00b\x1bc",
		"\U0001F44D\U0001F3FD",
		"\u0301\u0301\u0301",
		string([]byte{0xed, 0xa0, 0x80}), // surrogate half
	}
	for _, in := range inputs {
		got := r.Read(in, "")
		if !got.Intent.Valid() || got.Lang == "" || got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("Read(%.20q) = %+v: invalid reading", in, got)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{"", "STOP", " Cancel. ", "C", "yes", "no, I'm not cancelling", "我要取消预约",
		"kal nahi aa paunga", "👍", "\xff", "\u202eSTOP", strings.Repeat("a", 2000), "باجا", "ΣΤΟΠ"} {
		f.Add(s, "")
		f.Add(s, "ru")
	}
	r := testReader(f)
	f.Fuzz(func(t *testing.T, text, known string) {
		got := r.Read(text, known)
		if !got.Intent.Valid() {
			t.Errorf("Read(%q, %q).Intent = %q, not a label", text, known, got.Intent)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("Read(%q, %q).Confidence = %v", text, known, got.Confidence)
		}
		if got.Lang == "" || !utf8.ValidString(got.Lang) {
			t.Errorf("Read(%q, %q).Lang = %q", text, known, got.Lang)
		}
		if got.Keyword != KeywordNone && got.Source != "keyword" {
			t.Errorf("Read(%q, %q) = %+v: keyword without keyword source", text, known, got)
		}
	})
}

// The dialogue package's Reader port (dialogue.Reader) is this method set.
var _ interface {
	Read(text, knownLang string) Reading
} = (*Reader)(nil)
