package intents

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/pemistahl/lingua-go"
)

// Detector guesses the language of a text: an ISO 639-1 code and a
// confidence in 0..1 ("" and 0 when it cannot tell).
type Detector interface {
	Detect(text string) (lang string, confidence float64)
}

// LangScore is one language's share of a detector's belief.
type LangScore struct {
	Lang  string
	Score float64
}

// distributor is what a Detector may also offer: its belief over every
// language it knows, best first. The Reader combines it with the
// classifier's own language evidence.
type distributor interface {
	Distribution(text string) []LangScore
}

// LinguaDetector detects language with lingua-go, built from an explicit
// list of languages only (all 75 would cost 2 GB of heap).
type LinguaDetector struct {
	det lingua.LanguageDetector
	// latin is lingua over the languages written in Latin letters only, for
	// texts in Latin letters: lingua gives every other language 0 there
	// anyway, and checking fewer alphabets makes a read ~25% cheaper (the
	// models are shared, so it costs no memory). nil with fewer than two.
	latin lingua.LanguageDetector
	codes map[lingua.Language]string
}

// NewLingua builds a lingua detector from exactly langs (ISO 639-1 codes),
// with every model preloaded so the first message pays no loading cost.
// lowAccuracy selects lingua's low-accuracy mode (trigrams only: less
// memory, worse on short texts). An unknown code is an error.
func NewLingua(langs []string, lowAccuracy bool) (*LinguaDetector, error) {
	if len(langs) < 2 {
		return nil, fmt.Errorf("lingua: need at least two languages, got %d", len(langs))
	}
	codes := make(map[lingua.Language]string, len(langs))
	var ll, latin []lingua.Language
	for _, code := range langs {
		l, err := linguaLanguage(code)
		if err != nil {
			return nil, err
		}
		if _, dup := codes[l]; dup {
			continue
		}
		codes[l] = code
		ll = append(ll, l)
		if latinNative[code] {
			latin = append(latin, l)
		}
	}
	build := func(ll []lingua.Language) lingua.LanguageDetector {
		b := lingua.NewLanguageDetectorBuilder().FromLanguages(ll...).WithPreloadedLanguageModels()
		if lowAccuracy {
			b = b.WithLowAccuracyMode()
		}
		return b.Build()
	}
	d := &LinguaDetector{det: build(ll), codes: codes}
	if len(latin) >= 2 && len(latin) < len(ll) {
		d.latin = build(latin)
	}
	return d, nil
}

// linguaLanguage maps an ISO 639-1 code to lingua's language ("tl" is
// lingua's Tagalog).
func linguaLanguage(code string) (lingua.Language, error) {
	iso := lingua.GetIsoCode639_1FromValue(code)
	if iso == lingua.UnknownIsoCode639_1 {
		return lingua.Unknown, fmt.Errorf("lingua: unknown ISO 639-1 code %q", code)
	}
	l := lingua.GetLanguageFromIsoCode639_1(iso)
	if l == lingua.Unknown {
		return lingua.Unknown, fmt.Errorf("lingua: no language for code %q", code)
	}
	return l, nil
}

// Detect returns lingua's most likely language and its confidence value.
func (d *LinguaDetector) Detect(text string) (string, float64) {
	dist := d.Distribution(text)
	if len(dist) == 0 || dist[0].Score == 0 {
		return "", 0
	}
	return dist[0].Lang, dist[0].Score
}

// Distribution returns lingua's confidence values (summing to 1, or all 0
// when the text has no letters) for every language of the detector, best
// first.
func (d *LinguaDetector) Distribution(text string) []LangScore {
	text = clean(text)
	det := d.det
	if s := analyzeScript(text); d.latin != nil && s.letters > 0 && s.counts[scriptLatin] == s.letters {
		det = d.latin
	}
	vals := det.ComputeLanguageConfidenceValues(text)
	out := make([]LangScore, 0, len(vals))
	for _, v := range vals {
		out = append(out, LangScore{Lang: d.codes[v.Language()], Score: v.Value()})
	}
	return out
}

// ScriptDetector is a cheap detector from Unicode scripts and a few marker
// words. It needs no models (tests of other packages use it) and is right
// about every script that one supported language owns.
type ScriptDetector struct{}

// NewScriptDetector returns a ScriptDetector.
func NewScriptDetector() *ScriptDetector { return &ScriptDetector{} }

// Detect names the language of text's dominant script; Latin text goes to
// the language with most marker words, English when none matches.
func (ScriptDetector) Detect(text string) (string, float64) {
	s := analyzeScript(clean(text))
	if s.letters == 0 {
		return "", 0
	}
	if s.script != scriptLatin {
		c := s.candidates()
		return c[0], 0.9 / float64(len(c))
	}
	return latinCue(Normalize(text))
}

// script is a writing system the supported languages use.
type script int

const (
	scriptNone script = iota
	scriptLatin
	scriptHan
	scriptKana
	scriptHangul
	scriptCyrillic
	scriptArabic
	scriptDevanagari
	scriptGujarati
	scriptBengali
	scriptGurmukhi
	scriptArmenian
	scriptGreek
	scriptHebrew
	scriptThai
	nScripts
)

var scriptTables = [nScripts]*unicode.RangeTable{
	scriptLatin:      unicode.Latin,
	scriptHan:        unicode.Han,
	scriptKana:       nil, // Hiragana or Katakana, see scriptOf
	scriptHangul:     unicode.Hangul,
	scriptCyrillic:   unicode.Cyrillic,
	scriptArabic:     unicode.Arabic,
	scriptDevanagari: unicode.Devanagari,
	scriptGujarati:   unicode.Gujarati,
	scriptBengali:    unicode.Bengali,
	scriptGurmukhi:   unicode.Gurmukhi,
	scriptArmenian:   unicode.Armenian,
	scriptGreek:      unicode.Greek,
	scriptHebrew:     unicode.Hebrew,
	scriptThai:       unicode.Thai,
}

func scriptOf(r rune) script {
	if r < 0x80 {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return scriptLatin
		}
		return scriptNone
	}
	if unicode.In(r, unicode.Hiragana, unicode.Katakana) {
		return scriptKana
	}
	for s := scriptLatin; s < nScripts; s++ {
		if t := scriptTables[s]; t != nil && unicode.Is(t, r) {
			return s
		}
	}
	return scriptNone
}

// scriptInfo counts the letters of a text by script.
type scriptInfo struct {
	counts  [nScripts]int
	letters int
	script  script // dominant script (Han with any kana counts as kana)
	uk, ru  bool   // Cyrillic letters only Ukrainian / only Russian uses
	ur, fa  bool   // Arabic-script letters of Urdu / of Persian (and Urdu)
}

func analyzeScript(text string) scriptInfo {
	var s scriptInfo
	for _, r := range text {
		sc := scriptOf(r)
		if sc == scriptNone {
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsMark(r) {
			continue
		}
		s.counts[sc]++
		s.letters++
		switch r {
		case 'і', 'ї', 'є', 'ґ', 'І', 'Ї', 'Є', 'Ґ':
			s.uk = true
		case 'ы', 'э', 'ъ', 'ё', 'Ы', 'Э', 'Ъ', 'Ё':
			s.ru = true
		case 'ے', 'ں', 'ٹ', 'ڈ', 'ڑ', 'ھ', 'ۓ':
			s.ur = true
		case 'پ', 'چ', 'ژ', 'گ', 'ک', 'ی':
			s.fa = true
		}
	}
	if s.counts[scriptKana] > 0 {
		s.counts[scriptKana] += s.counts[scriptHan]
		s.counts[scriptHan] = 0
	}
	best := 0
	for sc := scriptLatin; sc < nScripts; sc++ {
		if s.counts[sc] > best {
			best, s.script = s.counts[sc], sc
		}
	}
	return s
}

// candidates lists the supported languages that write text's dominant
// script, most likely first; nil for Latin or no script (every language
// is written in Latin letters by someone: romanised Hindi, Greeklish).
func (s scriptInfo) candidates() []string {
	switch s.script {
	case scriptHan:
		return []string{"zh"}
	case scriptKana:
		return []string{"ja"}
	case scriptHangul:
		return []string{"ko"}
	case scriptCyrillic:
		switch {
		case s.uk && !s.ru:
			return []string{"uk"}
		case s.ru && !s.uk:
			return []string{"ru"}
		}
		return []string{"ru", "uk"}
	case scriptArabic:
		switch {
		case s.ur:
			return []string{"ur"}
		case s.fa:
			return []string{"fa", "ur"}
		}
		return []string{"ar", "fa", "ur"}
	case scriptDevanagari:
		return []string{"hi"}
	case scriptGujarati:
		return []string{"gu"}
	case scriptBengali:
		return []string{"bn"}
	case scriptGurmukhi:
		return []string{"pa"}
	case scriptArmenian:
		return []string{"hy"}
	case scriptGreek:
		return []string{"el"}
	case scriptHebrew:
		return []string{"he"}
	case scriptThai:
		return []string{"th"}
	}
	return nil
}

// latinCues are marker words (accent-folded) of the Latin-script
// languages; latinChars are letters one of them alone uses among ours.
var latinCues = map[string][]string{
	"es": {"el", "los", "las", "que", "por", "para", "gracias", "hola", "manana", "puedo", "cita", "esta", "si", "mi", "quiero", "favor", "voy"},
	"fr": {"le", "les", "je", "ne", "pas", "oui", "merci", "demain", "vous", "suis", "rendez-vous", "bonjour", "est", "pour"},
	"pt": {"nao", "sim", "obrigado", "obrigada", "eu", "voce", "amanha", "consulta", "posso", "com", "vou", "meu", "minha"},
	"de": {"ich", "nicht", "ja", "nein", "danke", "der", "die", "das", "und", "termin", "morgen", "bitte", "kann", "komme"},
	"it": {"non", "grazie", "il", "di", "che", "appuntamento", "domani", "sono", "posso", "vengo", "ciao"},
	"tl": {"po", "ako", "hindi", "salamat", "ang", "ng", "sa", "oo", "bukas", "pwede", "opo", "ko", "makakapunta"},
	"vi": {"khong", "toi", "duoc", "cam", "on", "mai", "lich", "hen", "vang", "co", "em", "anh"},
	"id": {"saya", "tidak", "terima", "kasih", "besok", "bisa", "ya", "jadwal", "tolong", "dengan", "datang", "iya"},
	"tr": {"evet", "hayir", "yarin", "randevu", "tesekkurler", "bir", "ve", "bu", "degil", "gelemem", "tamam"},
	"pl": {"tak", "nie", "dziekuje", "jutro", "wizyta", "jestem", "moge", "prosze", "wizyte"},
	"sw": {"ndiyo", "hapana", "asante", "kesho", "sana", "nitakuja", "miadi", "tafadhali", "sawa", "siwezi"},
	"so": {"haa", "maya", "mahadsanid", "berri", "waan", "ballanta", "imaan", "kari", "waxaan"},
	"yo": {"mo", "se", "ola", "beeni", "rara", "e", "o", "ko", "wa", "dupe"},
	"en": {"the", "i", "you", "yes", "no", "will", "be", "can", "my", "appointment", "thanks", "tomorrow", "not", "is", "to"},
}

var latinChars = map[rune]string{
	'ñ': "es", '¿': "es", '¡': "es",
	'ç': "fr", 'è': "fr", 'ê': "fr", 'œ': "fr",
	'ã': "pt", 'õ': "pt",
	'ä': "de", 'ö': "de", 'ü': "de", 'ß': "de",
	'ì': "it", 'ò': "it",
	'ư': "vi", 'ơ': "vi", 'ă': "vi", 'đ': "vi", 'ạ': "vi", 'ả': "vi", 'ế': "vi", 'ệ': "vi", 'ộ': "vi", 'ờ': "vi",
	'ş': "tr", 'ğ': "tr", 'ı': "tr",
	'ą': "pl", 'ę': "pl", 'ł': "pl", 'ń': "pl", 'ś': "pl", 'ź': "pl", 'ż': "pl",
	'ẹ': "yo", 'ọ': "yo", 'ṣ': "yo",
}

// latinCue scores normalised Latin text: a marker word counts one, a
// letter only one language uses counts two.
func latinCue(normalized string) (string, float64) {
	score := map[string]float64{}
	for _, r := range normalized {
		if l, ok := latinChars[r]; ok {
			score[l] += 2
		}
	}
	folded := Fold(normalized)
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && r != '-' }) {
		for lang, cues := range latinCues {
			for _, c := range cues {
				if c == w {
					score[lang]++
				}
			}
		}
	}
	return bestCue(score)
}

func bestCue(score map[string]float64) (string, float64) {
	langs := make([]string, 0, len(score))
	total := 0.0
	for l, v := range score {
		langs = append(langs, l)
		total += v
	}
	if total == 0 {
		return "en", 0.2
	}
	sort.Slice(langs, func(i, j int) bool {
		if score[langs[i]] != score[langs[j]] {
			return score[langs[i]] > score[langs[j]]
		}
		return langs[i] < langs[j]
	})
	return langs[0], score[langs[0]] / (total + 1)
}
