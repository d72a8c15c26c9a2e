// Package eval measures an intent classifier on labelled examples (SPEC §8):
// accuracy, macro-F1, language accuracy, per-language and per-intent
// scores, the confusion matrix and the latency of one Read. It renders the
// result as JSON, a text table or a self-contained HTML page.
package eval

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"clinicsms/corpus"
	"clinicsms/intents"
)

// Classifier is what eval measures: intents.Reader satisfies it.
type Classifier interface {
	Read(text, knownLang string) intents.Reading
}

// Options tune a Run.
type Options struct {
	// Hint passes each example's true language as the conversation's known
	// language. Off, the classifier gets "" and must detect the language.
	Hint bool
	// Progress, when set, gets a "\r1200/3600 ..." line at most once a
	// second of Clock time, and a final line ending in a newline.
	Progress io.Writer
	// Clock times each Read (and paces Progress). Nil: time.Now. Tests
	// inject a fake clock to make latency deterministic.
	Clock func() time.Time
}

// Report is the result of a Run. Its JSON form is the one SPEC §8 names.
// Ratios are rounded to 4 decimals, latencies to 0.1 µs.
type Report struct {
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	// MacroF1 is the unweighted mean of the per-label F1 over the labels
	// of intents.Labels that occur in the gold labels or the predictions
	// (a label absent from both has no F1 and is left out, rather than
	// counted as 0 or 1). A prediction outside intents.Labels counts as
	// wrong for the gold label's recall but is not a class of its own.
	MacroF1      float64 `json:"macro_f1"`
	LangAccuracy float64 `json:"lang_accuracy"` // share of examples whose Reading.Lang is the gold lang
	// PerLanguage is keyed by the gold lang.
	PerLanguage map[string]LangScore `json:"per_language"`
	// PerIntent has every label of intents.Labels that occurs in gold or
	// predictions.
	PerIntent map[string]IntentScore `json:"per_intent"`
	// Confusion counts gold → predicted, diagonal included, non-zero cells
	// only. A Reading with no intent is predicted as "(none)".
	Confusion map[string]map[string]int `json:"confusion"`
	Latency   Latency                   `json:"latency_us"`
}

// LangScore is the score on one language's examples.
type LangScore struct {
	N        int     `json:"n"`
	Accuracy float64 `json:"accuracy"`
	MacroF1  float64 `json:"macro_f1"`
}

// IntentScore is the score of one label. N is its gold count (support).
type IntentScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	N         int     `json:"n"`
}

// Latency holds percentiles of one Read, in microseconds (nearest rank).
type Latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// noIntent stands for an empty Reading.Intent in the confusion matrix.
const noIntent = "(none)"

// result is one example's outcome.
type result struct {
	gold, pred string
	lang       string // gold
	langOK     bool
}

// Run reads every example with c and scores the readings. When ctx ends
// early, the report covers the examples read until then.
func Run(ctx context.Context, c Classifier, ex []corpus.Example, opts Options) Report {
	clock := opts.Clock
	if clock == nil {
		clock = time.Now
	}
	results := make([]result, 0, len(ex))
	latencies := make([]time.Duration, 0, len(ex))
	var lastProgress time.Time
	for i, e := range ex {
		if ctx.Err() != nil {
			break
		}
		known := ""
		if opts.Hint {
			known = e.Lang
		}
		start := clock()
		r := c.Read(e.Text, known)
		end := clock()
		latencies = append(latencies, end.Sub(start))
		pred := string(r.Intent)
		if pred == "" {
			pred = noIntent
		}
		results = append(results, result{gold: e.Intent, pred: pred, lang: e.Lang, langOK: r.Lang == e.Lang})

		if opts.Progress != nil && (i == 0 || end.Sub(lastProgress) >= time.Second) {
			lastProgress = end
			writeProgress(opts.Progress, results, len(ex))
		}
	}
	if opts.Progress != nil {
		writeProgress(opts.Progress, results, len(ex))
		fmt.Fprintln(opts.Progress)
	}
	return report(results, latencies)
}

func writeProgress(w io.Writer, results []result, total int) {
	right := 0
	for _, r := range results {
		if r.gold == r.pred {
			right++
		}
	}
	fmt.Fprintf(w, "\r%d/%d  accuracy %.3f ", len(results), total, ratio(right, len(results)))
}

func report(results []result, latencies []time.Duration) Report {
	rep := Report{
		N:           len(results),
		PerLanguage: map[string]LangScore{},
		PerIntent:   map[string]IntentScore{},
		Confusion:   map[string]map[string]int{},
	}
	right, langRight := 0, 0
	byLang := map[string][]result{}
	for _, r := range results {
		if r.gold == r.pred {
			right++
		}
		if r.langOK {
			langRight++
		}
		byLang[r.lang] = append(byLang[r.lang], r)
		if rep.Confusion[r.gold] == nil {
			rep.Confusion[r.gold] = map[string]int{}
		}
		rep.Confusion[r.gold][r.pred]++
	}
	rep.Accuracy = round4(ratio(right, len(results)))
	rep.LangAccuracy = round4(ratio(langRight, len(results)))
	var macro float64
	rep.PerIntent, macro = perIntent(results)
	rep.MacroF1 = round4(macro)
	for lang, rs := range byLang {
		ok := 0
		for _, r := range rs {
			if r.gold == r.pred {
				ok++
			}
		}
		_, m := perIntent(rs)
		rep.PerLanguage[lang] = LangScore{N: len(rs), Accuracy: round4(ratio(ok, len(rs))), MacroF1: round4(m)}
	}
	rep.Latency = Latency{P50: percentile(latencies, 50), P99: percentile(latencies, 99)}
	return rep
}

// perIntent scores each label of intents.Labels present in gold or
// predictions and returns their mean F1 (see Report.MacroF1).
func perIntent(results []result) (map[string]IntentScore, float64) {
	gold, pred, hit := map[string]int{}, map[string]int{}, map[string]int{}
	for _, r := range results {
		gold[r.gold]++
		pred[r.pred]++
		if r.gold == r.pred {
			hit[r.gold]++
		}
	}
	scores := map[string]IntentScore{}
	sum := 0.0
	for _, l := range intents.Labels {
		name := string(l)
		if gold[name] == 0 && pred[name] == 0 {
			continue
		}
		p, r := ratio(hit[name], pred[name]), ratio(hit[name], gold[name])
		f1 := 0.0
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		scores[name] = IntentScore{Precision: round4(p), Recall: round4(r), F1: round4(f1), N: gold[name]}
		sum += f1
	}
	if len(scores) == 0 {
		return scores, 0
	}
	return scores, sum / float64(len(scores))
}

// percentile returns the nearest-rank p-th percentile of ds in µs.
func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(float64(p) / 100 * float64(len(s))))
	rank = max(1, min(rank, len(s)))
	us := float64(s[rank-1]) / float64(time.Microsecond)
	return math.Round(us*10) / 10
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
