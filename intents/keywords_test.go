package intents

import (
	"testing"

	"clinicsms/locales"
)

func TestCompliance(t *testing.T) {
	tests := []struct {
		in   string
		want Keyword
	}{
		// SPEC §3: the STOP family, any case, surrounding spaces and punctuation.
		{"STOP", KeywordStop}, {" Stop!! ", KeywordStop}, {"stop.", KeywordStop},
		{"STOPALL", KeywordStop}, {"Unsubscribe", KeywordStop}, {" Cancel. ", KeywordStop},
		{"cancel", KeywordStop}, {"END", KeywordStop}, {"quit!", KeywordStop},
		{"Revoke", KeywordStop}, {"OPTOUT", KeywordStop}, {"ＳＴＯＰ", KeywordStop},
		{"\u200bSTOP", KeywordStop},
		// Not keywords: more than the bare word, or an appointment code.
		{"cancel my appointment", KeywordNone}, {"please cancel", KeywordNone},
		{"X", KeywordNone}, {"stop texting me please", KeywordNone}, {"", KeywordNone},
		{"helpful", KeywordNone}, {"restart", KeywordNone},
		// Opt back in, help.
		{"START", KeywordStart}, {"unstop", KeywordStart}, {"Start.", KeywordStart},
		{"HELP", KeywordHelp}, {"info", KeywordHelp}, {"Help?", KeywordHelp},
		// Local words.
		{"BAJA", KeywordStop}, {"Parar", KeywordStop}, {"alto", KeywordStop}, {"AYUDA", KeywordHelp},
		{"ARRET", KeywordStop}, {"Arrêt", KeywordStop}, {"aide", KeywordHelp},
		{"STOPP", KeywordStop}, {"Hilfe", KeywordHelp},
		{"退订", KeywordStop}, {"取消订阅", KeywordStop}, {"停止", KeywordStop}, {"帮助", KeywordHelp}, {"TD", KeywordStop},
		{"СТОП", KeywordStop}, {"отписаться", KeywordStop}, {"ПОМОЩЬ", KeywordHelp}, {"старт", KeywordStart},
		{"توقف", KeywordStop}, {"إيقاف", KeywordStop}, {"مساعدة", KeywordHelp},
		{"dừng", KeywordStop}, {"수신거부", KeywordStop}, {"配信停止", KeywordStop},
		{"हाँ", KeywordNone}, {"ΔΙΑΚΟΠΗ", KeywordStop}, {"עצור", KeywordStop},
		{"berhenti", KeywordStop}, {"yardım", KeywordHelp}, {"msaada", KeywordHelp},
		// STOP and HELP spelled in the language's own script.
		{"स्टॉप", KeywordStop}, {"સ્ટોપ!", KeywordStop}, {"স্টপ", KeywordStop}, {"스톱", KeywordStop},
		{"اسٹاپ", KeywordStop}, {"ઇન્ફો", KeywordHelp}, {"হেল্প", KeywordHelp},
		// Words for "cancel the appointment" stay with the model.
		{"cancelar", KeywordNone}, {"annuler", KeywordNone}, {"取消", KeywordNone},
		{"отменить", KeywordNone}, {"キャンセル", KeywordNone}, {"취소", KeywordNone},
		{"إلغاء", KeywordNone}, {"iptal", KeywordNone}, {"hủy", KeywordNone},
		// "dung" is both Vietnamese stop (dừng) and yes (đúng) without accents.
		{"dung", KeywordNone},
	}
	for _, tt := range tests {
		if got := Compliance(tt.in); got != tt.want {
			t.Errorf("Compliance(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestKeywordTableCoversEveryLanguage(t *testing.T) {
	for _, lang := range locales.Supported {
		wl, ok := keywordTable[lang]
		if !ok {
			t.Errorf("keywordTable has no entry for %q", lang)
			continue
		}
		if len(wl.Stop) == 0 || len(wl.Start) == 0 || len(wl.Help) == 0 || len(wl.Yes) == 0 || len(wl.No) == 0 {
			t.Errorf("keywordTable[%q] lacks stop, start, help, yes or no words: %+v", lang, wl)
		}
	}
	for lang := range keywordTable {
		if !locales.IsSupported(lang) {
			t.Errorf("keywordTable has unsupported language %q", lang)
		}
	}
	if len(words.conflicts) > 0 {
		t.Errorf("keywords with two meanings: %v", words.conflicts)
	}
}

func TestEveryTableWordMatchesItsKind(t *testing.T) {
	for lang, wl := range keywordTable {
		for _, w := range wl.Stop {
			if got := Compliance(w); got != KeywordStop {
				t.Errorf("Compliance(%q) [%s stop] = %q", w, lang, got)
			}
		}
		for _, w := range wl.Start {
			if got := Compliance(w); got != KeywordStart {
				t.Errorf("Compliance(%q) [%s start] = %q", w, lang, got)
			}
		}
		for _, w := range wl.Help {
			if got := Compliance(w); got != KeywordHelp {
				t.Errorf("Compliance(%q) [%s help] = %q", w, lang, got)
			}
		}
		for _, w := range wl.Yes {
			if !IsBareYes(w) {
				t.Errorf("IsBareYes(%q) [%s] = false", w, lang)
			}
		}
		for _, w := range wl.No {
			if !IsBareNo(w) {
				t.Errorf("IsBareNo(%q) [%s] = false", w, lang)
			}
		}
	}
}

func TestIsBareYesNo(t *testing.T) {
	yes := []string{"yes", "YES!", "y", "si", "Sí", "да", "是", "好", "oui", "ja", "sim", "tak", "haan", "हाँ",
		"はい", "네", "예", "có", "vâng", "oo", "نعم", "بله", "ہاں", "evet", "ya", "ndiyo", "bẹẹni", "כן",
		"ναι", "այո", "так", "ใช่", "ค่ะ", "ครับ", "haa"}
	for _, w := range yes {
		if !IsBareYes(w) {
			t.Errorf("IsBareYes(%q) = false, want true", w)
		}
		if IsBareNo(w) {
			t.Errorf("IsBareNo(%q) = true, want false", w)
		}
	}
	no := []string{"no", "No.", "non", "nein", "нет", "不", "いいえ", "아니요", "không", "hindi", "لا", "نه",
		"نہیں", "nahi", "hayır", "tidak", "hapana", "rara", "maya", "לא", "όχι", "ні", "ไม่", "nie", "não"}
	for _, w := range no {
		if !IsBareNo(w) {
			t.Errorf("IsBareNo(%q) = false, want true", w)
		}
		if IsBareYes(w) {
			t.Errorf("IsBareYes(%q) = true, want false", w)
		}
	}
	for _, w := range []string{"yes but later", "ok", "C", "", "maybe", "stop"} {
		if IsBareYes(w) || IsBareNo(w) {
			t.Errorf("IsBareYes/IsBareNo(%q) = true, want false", w)
		}
	}
}

func TestReplyCode(t *testing.T) {
	tests := []struct {
		in   string
		want Label
		ok   bool
	}{
		{"C", Confirm, true}, {"c", Confirm, true}, {" C. ", Confirm, true},
		{"R", Reschedule, true}, {"r!", Reschedule, true},
		{"X", Cancel, true}, {"x", Cancel, true},
		{"W", Waitlist, true}, {"(w)", Waitlist, true}, {"Ｗ", Waitlist, true},
		{"Х", Cancel, true}, {"х.", Cancel, true}, {"Χ", Cancel, true}, {"С", Confirm, true}, // Cyrillic, Greek
		{"Р", "", false}, {"Y", "", false}, {"CC", "", false}, {"2", "", false}, {"cancel", "", false}, {"", "", false},
	}
	for _, tt := range tests {
		got, ok := ReplyCode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ReplyCode(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
