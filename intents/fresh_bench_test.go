package intents

import (
	"flag"
	"path/filepath"
	"testing"

	"clinicsms/corpus"
	"clinicsms/locales"
)

// Measurements on replies written after the training data (docs/
// BENCHMARKS.md, "Fresh replies" and "Understanding"): train on one corpus
// folder, score on lines it never saw. For blind round 4:
//
//	git archive a03247d corpus/train | tar -x -C /tmp/a0
//	git archive 41d23c9 corpus/train | tar -x -C /tmp/a1
//	for f in /tmp/a1/corpus/train/*.jsonl; do
//	  grep -vxFf /tmp/a0/corpus/train/${f##*/} $f; done > /tmp/fresh.jsonl
//	go test ./intents -run '^$' -bench Fresh -benchtime 1x -timeout 30m \
//	  -fresh.train /tmp/a0/corpus/train -fresh.lines /tmp/fresh.jsonl
var (
	freshTrain = flag.String("fresh.train", "", "BenchmarkFresh*: corpus folder to train on")
	freshLines = flag.String("fresh.lines", "", "BenchmarkFresh*: .jsonl file or folder to score")
	freshLang  = flag.String("fresh.devlang", "de", "BenchmarkFreshTraining: also report this language's corpus/dev macro-F1")
)

func loadFresh(b *testing.B) (train, lines []corpus.Example) {
	b.Helper()
	if *freshTrain == "" || *freshLines == "" {
		b.Skip("needs -fresh.train and -fresh.lines")
	}
	train, err := corpus.Load(*freshTrain)
	if err != nil {
		b.Fatal(err)
	}
	lines, err = corpus.Load(*freshLines)
	if err != nil {
		b.Fatal(err)
	}
	return train, lines
}

func intentF1(m *Model, ex []corpus.Example, lang string) float64 {
	var g, p []Label
	for _, e := range ex {
		if lang == "" || e.Lang == lang {
			g = append(g, Label(e.Intent))
			p = append(p, readLabel(m, e.Text))
		}
	}
	_, f1 := scoreLabels(g, p)
	return f1
}

// BenchmarkFreshTraining compares training settings: macro-F1 on the fresh
// lines, the fitted temperature, and one language's dev macro-F1 (how
// much it moves with the seed).
func BenchmarkFreshTraining(b *testing.B) {
	train, lines := loadFresh(b)
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts TrainOptions
	}{
		{"epochs15-models3", TrainOptions{Epochs: 15, Ensemble: 3}},
		{"epochs10-models3", TrainOptions{Ensemble: 3}},
		{"epochs10-models1", TrainOptions{Ensemble: 1}},
		{"models3-seed11", TrainOptions{Ensemble: 3, Seed: 11}},
		{"models3-seed21", TrainOptions{Ensemble: 3, Seed: 21}},
		{"models5", TrainOptions{}},
		{"models5-seed11", TrainOptions{Seed: 11}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				m, err := Train(train, c.opts)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(intentF1(m, lines, ""), "fresh-macroF1")
				b.ReportMetric(m.Temperature(), "temperature")
				b.ReportMetric(intentF1(m, dev, *freshLang), "dev-"+*freshLang+"-macroF1")
			}
		})
	}
}

// BenchmarkFreshLanguage compares when lingua is consulted: language
// accuracy on the fresh lines (no hint) and the CPU time of a read.
func BenchmarkFreshLanguage(b *testing.B) {
	train, lines := loadFresh(b)
	m, err := Train(train, TrainOptions{})
	if err != nil {
		b.Fatal(err)
	}
	det, err := NewLingua(locales.Supported, true)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"skip0.99-lingua-for-romanised", Options{DetectorSkip: 0.99, linguaForRomanised: true}},
		{"skip0.85-lingua-for-romanised", Options{linguaForRomanised: true}},
		{"skip0.7-lingua-for-romanised", Options{DetectorSkip: 0.7, linguaForRomanised: true}},
		{"skip0.85 (shipped)", Options{}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				got := measureLang(New(det, m, c.opts), lines)
				b.ReportMetric(got.acc, "lang-accuracy")
				b.ReportMetric(float64(got.p50.Microseconds()), "p50-cpu-µs")
				b.ReportMetric(float64(got.p99.Microseconds()), "p99-cpu-µs")
			}
		})
	}
}

// BenchmarkLinguaLatin is lingua's belief for texts in Latin letters from
// the detector of the Latin-script languages (shipped) and from the one of
// all 30 (TestLinguaLatinShortcut checks they agree).
func BenchmarkLinguaLatin(b *testing.B) {
	_, d := fixtures(b)
	full := &LinguaDetector{det: d.det, codes: d.codes}
	var latin []string
	for _, t := range benchTexts(b) {
		if s := analyzeScript(clean(t)); s.letters > 0 && s.counts[scriptLatin] == s.letters {
			latin = append(latin, t)
		}
	}
	for _, c := range []struct {
		name string
		d    *LinguaDetector
	}{{"all30", full}, {"latin14", d}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				c.d.Distribution(latin[i%len(latin)])
				i++
			}
		})
	}
}
