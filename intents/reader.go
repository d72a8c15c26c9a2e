package intents

import (
	"fmt"
	"math"
	"strings"
	"unicode"

	"clinicsms/corpus"
	"clinicsms/locales"
)

// Options tunes a Reader. Zero fields take the defaults shown.
type Options struct {
	// Threshold is the confidence from which a model reading is Sure (0.6).
	Threshold float64
	// FlipWords is how many words (or, for scripts written without spaces,
	// characters divided by two) a text needs before its detected language
	// may replace the conversation's known one (3).
	FlipWords int
	// FlipConfidence is the combined detection confidence a different
	// language needs to replace the known one (0.9).
	FlipConfidence float64
	// LangSure is the combined detection confidence from which a detected
	// language is safe to store as the conversation's language (0.8).
	LangSure float64
	// DetectorSkip is the share of the model's own language evidence (among
	// the languages of the text's script) from which the detector is not
	// consulted at all (0.85). Above 1 always consults it. Chosen on the
	// replies added to corpus/train after the model's training data
	// (BenchmarkFreshLanguage): from 0.99 down to 0.7 the languages read
	// stay the same while lingua runs for fewer texts.
	DetectorSkip float64
	// linguaForRomanised consults lingua even for texts the corpus n-grams
	// read as a romanised language (measurements only: see
	// BenchmarkFreshLanguage).
	linguaForRomanised bool
}

func (o Options) withDefaults() Options {
	if o.Threshold == 0 {
		o.Threshold = 0.6
	}
	if o.FlipWords == 0 {
		o.FlipWords = 3
	}
	if o.FlipConfidence == 0 {
		o.FlipConfidence = 0.9
	}
	if o.LangSure == 0 {
		o.LangSure = 0.8
	}
	if o.DetectorSkip == 0 {
		o.DetectorSkip = 0.85
	}
	return o
}

// Reader reads one inbound text: compliance keywords first, then reply
// codes, then the trained model; and picks the language to answer in from
// the conversation's known language, the script, the detector and the
// model's own language evidence. It is safe for concurrent use.
type Reader struct {
	det      Detector
	m        *Model
	opts     Options
	langs    []string // languages a reading may name: locales.Supported
	nbWeight float64  // weight of the model's language evidence against the detector's
}

// New returns a Reader over a detector and a trained model.
func New(d Detector, m *Model, opts Options) *Reader {
	return &Reader{det: d, m: m, opts: opts.withDefaults(), langs: locales.Supported, nbWeight: 2}
}

// Default builds the production Reader: lingua over locales.Supported and
// a model trained on the embedded training corpus (its weights kept in
// CacheDir between starts: see TrainCached). lowAccuracy selects
// lingua's low-accuracy mode, the recommended one: on corpus/dev it reads
// languages as well as the high-accuracy mode (with the corpus n-grams
// combined), holds ~17 MB of heap instead of ~320 MB and loads in half a
// second instead of several (docs/BENCHMARKS.md).
func Default(lowAccuracy bool) (*Reader, error) {
	ex, err := corpus.Train()
	if err != nil {
		return nil, fmt.Errorf("reader: load corpus: %w", err)
	}
	return DefaultOn(ex, lowAccuracy)
}

// DefaultOn is Default with the model trained on ex instead of the
// embedded corpus (learning curves, scoring a model on replies written
// after its training data).
func DefaultOn(ex []corpus.Example, lowAccuracy bool) (*Reader, error) {
	det, err := NewLingua(locales.Supported, lowAccuracy)
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	m, _, err := TrainCached(ex, TrainOptions{}, CacheDir())
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	return New(det, m, Options{}), nil
}

// ScriptReader is Default with the ScriptDetector in place of lingua:
// languages come from the script and the corpus n-grams alone. It holds
// none of lingua's models, for tools and for other packages' tests.
func ScriptReader() (*Reader, error) {
	ex, err := corpus.Train()
	if err != nil {
		return nil, fmt.Errorf("reader: load corpus: %w", err)
	}
	m, _, err := TrainCached(ex, TrainOptions{}, CacheDir())
	if err != nil {
		return nil, fmt.Errorf("reader: %w", err)
	}
	return New(NewScriptDetector(), m, Options{}), nil
}

// WithThreshold returns a Reader like r (same detector and model) whose
// readings are Sure from confidence t.
func (r *Reader) WithThreshold(t float64) *Reader {
	c := *r
	c.opts.Threshold = t
	return &c
}

// Read understands text in a conversation whose language is knownLang
// ("" when unknown). Bodies beyond MaxLen runes are cut; any bytes at all
// are safe.
func (r *Reader) Read(text, knownLang string) Reading {
	text = clean(text)
	if !locales.IsSupported(knownLang) {
		knownLang = ""
	}
	n := Normalize(text)
	if n == "" {
		return Reading{Lang: orDefault(knownLang), Intent: Other, Confidence: 0, Source: "empty"}
	}
	if kw := Compliance(n); kw != KeywordNone {
		intent := Other
		switch kw {
		case KeywordStop:
			intent = OptOut
		case KeywordHelp:
			intent = Help
		}
		return Reading{Lang: keywordLang(n, knownLang), Intent: intent, Confidence: 1, Sure: true, Keyword: kw, Source: "keyword"}
	}
	if l, ok := ReplyCode(n); ok {
		return Reading{Lang: orDefault(knownLang), Intent: l, Confidence: 1, Sure: true, Source: "code"}
	}
	intent, conf, _ := r.m.Predict(text)
	lang, sure := r.Language(text, knownLang)
	return Reading{
		Lang:       lang,
		LangSure:   sure,
		Intent:     intent,
		Confidence: conf,
		Sure:       conf >= r.opts.Threshold,
		Source:     "model",
	}
}

// latinNative lists the supported languages written in Latin letters by
// default; the others reach Latin script only romanised.
var latinNative = map[string]bool{
	"en": true, "es": true, "vi": true, "tl": true, "fr": true, "pt": true, "pl": true,
	"de": true, "it": true, "tr": true, "id": true, "sw": true, "so": true, "yo": true,
}

func orDefault(lang string) string {
	if lang == "" {
		return locales.Default
	}
	return lang
}

// keywordLang is the language of a bare keyword: the known one, else the
// keyword's own language when only one language uses it ("baja" is
// Spanish, "stop" is anybody's), else the default.
func keywordLang(n, knownLang string) string {
	if knownLang != "" {
		return knownLang
	}
	if ls := keywordLangs(n); len(ls) == 1 {
		return ls[0]
	}
	return locales.Default
}

// Language picks the language to answer text in, given the conversation's
// known language, and reports whether the pick is safe to store as the
// conversation's language. A short text (one word, a code, an emoji) never
// replaces a known language; a longer one does only when detection is
// confident and the known language is clearly not it.
func (r *Reader) Language(text, knownLang string) (string, bool) {
	text = clean(text)
	s := analyzeScript(text)
	if s.letters == 0 {
		return orDefault(knownLang), false
	}
	long := wordCount(text, s) >= r.opts.FlipWords
	if knownLang != "" && !long {
		return knownLang, false // nothing short can flip it: skip detection
	}
	dist := r.distribution(text, s)
	best := dist[0]
	if knownLang == "" {
		return best.Lang, long && best.Score >= r.opts.LangSure
	}
	if best.Lang == knownLang {
		return knownLang, best.Score >= r.opts.LangSure
	}
	var knownScore float64
	for _, d := range dist {
		if d.Lang == knownLang {
			knownScore = d.Score
		}
	}
	if best.Score >= r.opts.FlipConfidence && knownScore < 0.02 {
		return best.Lang, true
	}
	return knownLang, false
}

// wordCount counts words for the flip rule: white-space separated words
// with letters, and for Han, kana and Thai (written without spaces) every
// two letters count one word.
func wordCount(text string, s scriptInfo) int {
	n := 0
	for _, f := range strings.Fields(text) {
		for _, r := range f {
			if unicode.IsLetter(r) {
				n++
				break
			}
		}
	}
	unspaced := s.counts[scriptHan] + s.counts[scriptKana] + s.counts[scriptThai]
	if unspaced > 0 {
		n += unspaced/2 - 1
	}
	return n
}

// Distribution returns the combined belief over the supported languages,
// best first: the detector's distribution and the model's n-gram language
// evidence multiplied (as logs, each floored so neither can veto alone),
// restricted to the languages that write the text's script. A script only
// one supported language writes (Han, kana, Hangul, Thai, Hebrew, Greek,
// Armenian, the Indic scripts) decides alone, and when the model's own
// evidence is already Options.DetectorSkip sure the detector is not asked:
// both save the detector's 100-400 µs.
func (r *Reader) Distribution(text string) []LangScore {
	text = clean(text)
	return r.distribution(text, analyzeScript(text))
}

func (r *Reader) distribution(text string, s scriptInfo) []LangScore {
	cands := s.candidates()
	if len(cands) == 1 {
		return []LangScore{{Lang: cands[0], Score: 1}}
	}
	allowed := func(l string) bool {
		if cands == nil {
			return true
		}
		for _, c := range cands {
			if c == l {
				return true
			}
		}
		return false
	}
	nb := map[string]float64{}
	known := 0
	nbMin := 1.0
	nbAllowed, nbBest := 0.0, 0.0
	nbBestLang := ""
	for _, v := range r.m.LangDistribution(text) {
		nb[v.Lang] = v.Score
		nbMin = math.Min(nbMin, v.Score)
		known++
		if allowed(v.Lang) {
			nbAllowed += v.Score
			if v.Score > nbBest {
				nbBest, nbBestLang = v.Score, v.Lang
			}
		}
	}
	det := map[string]float64{}
	skip := r.opts.DetectorSkip <= 1 && nbAllowed > 0 && nbBest/nbAllowed >= r.opts.DetectorSkip
	if s.script == scriptLatin && nbBestLang != "" && !latinNative[nbBestLang] && !r.opts.linguaForRomanised {
		// Romanised Hindi, Arabizi, Greeklish... by the model's best guess:
		// lingua knows none of them and could only pull towards a language
		// written in Latin letters (BenchmarkFreshLanguage: languages read
		// 0.8829 against 0.8800).
		skip = true
	}
	switch d, ok := r.det.(distributor); {
	case skip:
		// The model is sure enough: the detector could not change the pick.
	case ok:
		for _, v := range d.Distribution(text) {
			det[v.Lang] = v.Score
		}
	default:
		if l, c := r.det.Detect(text); l != "" {
			det[l] = c
			for _, o := range r.langs {
				if o != l {
					det[o] = (1 - c) / float64(len(r.langs)-1)
				}
			}
		}
	}
	const floor = 1e-4
	nbWeight := r.nbWeight
	out := make([]LangScore, 0, len(r.langs))
	for _, l := range r.langs {
		if !allowed(l) {
			continue
		}
		d, ok := det[l]
		if !ok || len(det) == 0 || (s.script == scriptLatin && !latinNative[l]) {
			// The detector has no say: it knows no romanised Hindi,
			// Greeklish or Arabizi, so its near-zero there is no evidence.
			d = 1 / float64(len(r.langs))
		}
		p, ok := nb[l]
		switch {
		case known == 0:
			p = 1 / float64(len(r.langs)) // no letters the model knows: no evidence
		case !ok:
			p = nbMin // a language without training data is no likelier than the least likely known one
		}
		out = append(out, LangScore{Lang: l, Score: math.Log(d+floor) + nbWeight*math.Log(p+floor)})
	}
	mx := math.Inf(-1)
	for _, o := range out {
		mx = math.Max(mx, o.Score)
	}
	var sum float64
	for i := range out {
		out[i].Score = math.Exp(out[i].Score - mx)
		sum += out[i].Score
	}
	for i := range out {
		out[i].Score /= sum
	}
	sortScores(out)
	if len(out) == 0 {
		return []LangScore{{Lang: locales.Default}}
	}
	return out
}
