package intents

import (
	"math"
	"path/filepath"
	"testing"

	"clinicsms/corpus"
	"clinicsms/locales"
)

func TestLinguaLanguageMapsEverySupported(t *testing.T) {
	for _, code := range locales.Supported {
		l, err := linguaLanguage(code)
		if err != nil {
			t.Errorf("linguaLanguage(%q): %v", code, err)
			continue
		}
		if got := l.IsoCode639_1().String(); !equalFoldASCII(got, code) {
			t.Errorf("linguaLanguage(%q) = %v (%s)", code, l, got)
		}
	}
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

func TestNewLinguaRejectsUnknownCode(t *testing.T) {
	for _, langs := range [][]string{{"en", "xx"}, {"en", ""}, {"en"}} {
		if _, err := NewLingua(langs, true); err == nil {
			t.Errorf("NewLingua(%q) = nil error, want an error", langs)
		}
	}
}

func TestLinguaDetect(t *testing.T) {
	_, d := fixtures(t)
	tests := []struct{ text, want string }{
		{"I will not be able to come to my appointment tomorrow", "en"},
		{"No podré ir a mi cita de mañana, lo siento mucho", "es"},
		{"明天的预约我来不了了", "zh"},
		{"Здравствуйте, я не смогу прийти завтра, извините пожалуйста", "ru"},
		{"Je ne pourrai pas venir au rendez-vous demain", "fr"},
		{"Hindi po ako makakapunta bukas sa appointment ko", "tl"},
		{"Ninaomba kubadilisha miadi yangu ya kesho", "sw"},
	}
	for _, tt := range tests {
		got, conf := d.Detect(tt.text)
		if got != tt.want || conf <= 0 || conf > 1 {
			t.Errorf("LinguaDetector.Detect(%q) = %q, %.2f, want %q", tt.text, got, conf, tt.want)
		}
	}
	if got, conf := d.Detect("👍 123"); got != "" || conf != 0 {
		t.Errorf("LinguaDetector.Detect(%q) = %q, %.2f, want \"\", 0", "👍 123", got, conf)
	}
}

func TestScriptDetector(t *testing.T) {
	d := NewScriptDetector()
	tests := []struct{ text, want string }{
		{"我明天不能来", "zh"},
		{"明日は行けません", "ja"},
		{"キャンセル", "ja"},
		{"내일 못 가요", "ko"},
		{"Я не смогу прийти", "ru"},
		{"Я не зможу прийти, прийду пізніше", "uk"},
		{"Я не смогу прийти на приём", "ru"},
		{"لا أستطيع الحضور", "ar"},
		{"نمی توانم بیایم", "fa"},
		{"میں کل نہیں آ سکتا ہوں", "ur"},
		{"मैं कल नहीं आ पाऊंगा", "hi"},
		{"હું કાલે આવી શકીશ નહીં", "gu"},
		{"আমি কাল আসতে পারব না", "bn"},
		{"ਮੈਂ ਕੱਲ੍ਹ ਨਹੀਂ ਆ ਸਕਦਾ", "pa"},
		{"Վաղը չեմ կարող գալ", "hy"},
		{"Δεν μπορώ να έρθω αύριο", "el"},
		{"אני לא יכול להגיע מחר", "he"},
		{"พรุ่งนี้ไปไม่ได้ค่ะ", "th"},
		{"no puedo ir mañana, gracias", "es"},
		{"je ne peux pas venir demain, merci", "fr"},
		{"não posso ir amanhã, obrigado", "pt"},
		{"ich kann morgen nicht kommen", "de"},
		{"non posso venire domani, grazie", "it"},
		{"hindi po ako makakapunta bukas", "tl"},
		{"tôi không thể đến vào ngày mai", "vi"},
		{"saya tidak bisa datang besok", "id"},
		{"yarın gelemem, teşekkürler", "tr"},
		{"nie mogę przyjść jutro, dziękuję", "pl"},
		{"siwezi kuja kesho, asante sana", "sw"},
		{"waan ka xumahay, berri ma imaan karo", "so"},
		{"mi o le wa ni ọla, ẹ ṣe", "yo"},
		{"I can't come tomorrow", "en"},
	}
	for _, tt := range tests {
		if got, _ := d.Detect(tt.text); got != tt.want {
			t.Errorf("ScriptDetector.Detect(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if got, conf := d.Detect("👍"); got != "" || conf != 0 {
		t.Errorf("ScriptDetector.Detect(%q) = %q, %.2f, want \"\", 0", "👍", got, conf)
	}
}

// TestLinguaLatinShortcut: a text in Latin letters gets the same belief
// from the Latin-only lingua as from the one over all 30 languages (it
// only skips alphabets that cannot match).
func TestLinguaLatinShortcut(t *testing.T) {
	_, d := fixtures(t)
	if d.latin == nil {
		t.Fatal("no Latin-only detector built")
	}
	full := &LinguaDetector{det: d.det, codes: d.codes} // no shortcut
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for i, e := range dev {
		s := analyzeScript(clean(e.Text))
		if i%7 != 0 || s.letters == 0 || s.counts[scriptLatin] != s.letters {
			continue
		}
		checked++
		want := map[string]float64{}
		for _, v := range full.Distribution(e.Text) {
			want[v.Lang] = v.Score
		}
		got := d.Distribution(e.Text)
		if len(got) == 0 || math.Abs(got[0].Score-want[got[0].Lang]) > 1e-9 {
			t.Errorf("%q: Latin-only %v, all languages %v", e.Text, got, want)
			continue
		}
		for _, v := range got {
			if math.Abs(v.Score-want[v.Lang]) > 1e-9 {
				t.Errorf("%q: %s %.6f with the Latin-only detector, %.6f with all", e.Text, v.Lang, v.Score, want[v.Lang])
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d Latin dev texts checked", checked)
	}
}
