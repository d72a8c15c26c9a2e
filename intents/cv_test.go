package intents

import (
	"flag"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"clinicsms/corpus"
)

// Cross-validation on corpus/train only: the feature families and training
// settings of defaultFeatures and TrainOptions' defaults were chosen with
// it, never by looking at corpus/dev.
//
//	go test ./intents -run TestCrossValidation -v -cv.grid   # the search
var (
	cvGrid   = flag.Bool("cv.grid", false, "TestCrossValidation: also compare the candidate configurations")
	cvErrors = flag.String("cv.errors", "", "TestCrossValidation: log the default's held-out errors in these languages (comma-separated)")
)

// cvFolds is the number of folds.
const cvFolds = 5

// cvResult is the outcome of one cross-validation.
type cvResult struct {
	acc, macroF1 float64
	perLang      map[string][2]float64 // accuracy, macro-F1
	confusions   map[[2]Label]int      // gold, predicted; errors only
	n            int
	pred         []Label // per example
}

// cvFold assigns an example to a fold by a hash of its folded text, so
// that the same reply written in several files ("R", "INFO", "ok") never
// sits on both sides of a split.
func cvFold(e corpus.Example, k int) int {
	return int(fnv64("cv:", Fold(Normalize(e.Text))) % uint64(k))
}

// readLabel reads text the way the Reader does (keywords, codes, model)
// and returns the label.
func readLabel(m *Model, text string) Label {
	n := Normalize(text)
	if n == "" {
		return Other
	}
	switch Compliance(n) {
	case KeywordStop:
		return OptOut
	case KeywordHelp:
		return Help
	case KeywordStart:
		return Other
	}
	if l, ok := ReplyCode(n); ok {
		return l
	}
	l, _, _ := m.PredictIn(text, "")
	return l
}

// crossValidate trains k models, each on all folds but one, and scores
// the held-out fold through readLabel. Folds train two at a time.
func crossValidate(tb testing.TB, ex []corpus.Example, opts TrainOptions, k int) cvResult {
	tb.Helper()
	opts.HoldOut = -1 // calibration does not change the argmax
	pred := make([]Label, len(ex))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	errs := make([]error, k)
	for f := 0; f < k; f++ {
		wg.Add(1)
		go func(f int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			var fit []corpus.Example
			var held []int
			for i, e := range ex {
				if cvFold(e, k) == f {
					held = append(held, i)
				} else {
					fit = append(fit, e)
				}
			}
			m, err := Train(fit, opts)
			if err != nil {
				errs[f] = err
				return
			}
			for _, i := range held {
				pred[i] = readLabel(m, ex[i].Text)
			}
		}(f)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			tb.Fatalf("crossValidate: %v", err)
		}
	}
	res := cvResult{perLang: map[string][2]float64{}, confusions: map[[2]Label]int{}, n: len(ex), pred: pred}
	byLang := map[string][]int{}
	gold := make([]Label, len(ex))
	for i, e := range ex {
		gold[i] = Label(e.Intent)
		byLang[e.Lang] = append(byLang[e.Lang], i)
		if gold[i] != pred[i] {
			res.confusions[[2]Label{gold[i], pred[i]}]++
		}
	}
	res.acc, res.macroF1 = scoreLabels(gold, pred)
	for lang, idx := range byLang {
		g := make([]Label, len(idx))
		p := make([]Label, len(idx))
		for j, i := range idx {
			g[j], p[j] = gold[i], pred[i]
		}
		a, f1 := scoreLabels(g, p)
		res.perLang[lang] = [2]float64{a, f1}
	}
	return res
}

// worst returns the n languages with the lowest macro-F1, formatted.
func (r cvResult) worst(n int) string {
	langs := make([]string, 0, len(r.perLang))
	for l := range r.perLang {
		langs = append(langs, l)
	}
	sort.Slice(langs, func(i, j int) bool { return r.perLang[langs[i]][1] < r.perLang[langs[j]][1] })
	var b strings.Builder
	for _, l := range langs[:min(n, len(langs))] {
		fmt.Fprintf(&b, "%s %.3f ", l, r.perLang[l][1])
	}
	return b.String()
}

// minLang returns the lowest per-language macro-F1.
func (r cvResult) minLang() float64 {
	m := 1.0
	for _, v := range r.perLang {
		m = min(m, v[1])
	}
	return m
}

// topConfusions formats the n most frequent gold→predicted errors.
func (r cvResult) topConfusions(n int) string {
	type kv struct {
		k [2]Label
		v int
	}
	var all []kv
	for k, v := range r.confusions {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].v != all[j].v {
			return all[i].v > all[j].v
		}
		return all[i].k[0]+all[i].k[1] < all[j].k[0]+all[j].k[1]
	})
	var b strings.Builder
	for _, c := range all[:min(n, len(all))] {
		fmt.Fprintf(&b, "%s→%s %d, ", c.k[0], c.k[1], c.v)
	}
	return b.String()
}

func TestCrossValidation(t *testing.T) {
	ex, err := corpus.Train()
	if err != nil {
		t.Fatal(err)
	}
	// The always-on run cross-validates one model of the shipped features
	// (the shipped 5-model ensemble takes five times as long); -cv.grid adds the
	// ensemble and the alternatives.
	cands := []cvCandidate{{"default", TrainOptions{Ensemble: 1}}}
	if *cvGrid {
		cands = append(cands, cvCandidates()...)
	}
	for _, c := range cands {
		r := crossValidate(t, ex, c.opts, cvFolds)
		t.Logf("cv %-28s acc %.4f macro-F1 %.4f min-lang %.3f | worst: %s", c.name, r.acc, r.macroF1, r.minLang(), r.worst(8))
		if c.name == "default" {
			t.Logf("cv default confusions: %s", r.topConfusions(16))
			for i, e := range ex {
				if *cvErrors != "" && strings.Contains(","+*cvErrors+",", ","+e.Lang+",") && string(r.pred[i]) != e.Intent {
					t.Logf("cv error %s %s→%s %q", e.Lang, e.Intent, r.pred[i], e.Text)
				}
			}
			if r.macroF1 < 0.88 || r.minLang() < 0.80 {
				t.Errorf("cross-validated macro-F1 %.3f (lowest language %.3f), want >= 0.88 (>= 0.80)", r.macroF1, r.minLang())
			}
		}
	}
}

// cvCandidate is one configuration -cv.grid compares.
type cvCandidate struct {
	name string
	opts TrainOptions
}

// cvCandidates lists the configurations -cv.grid compares with the default.
func cvCandidates() []cvCandidate {
	type c = cvCandidate
	f := func(mod func(*featureConfig)) *featureConfig {
		cfg := defaultFeatures
		mod(&cfg)
		return &cfg
	}
	return []c{
		// Round 1 (each family alone against the default; macro-F1 deltas
		// on 5 folds): shapes +0.004, word weight 2 +0.004, char 1-5
		// +0.002, lang-conj +0.003, bits 20 +0.001, split-unspaced
		// +0.000, squeeze -0.001, neg scope 5 ±0, char 2-5 -0.001,
		// lang-conj chars -0.011, lr 1 -0.006, lr 0.25 ±0, epochs 8
		// -0.001, epochs 30 ±0, L2 1e-5 ±0, L2 1e-4 +0.001.
		// Round 2, together (against the round-1 default 0.8921):
		// shapes+word2 0.8987, +char 1-5 0.8983, +lang-conj 0.8988.
		// Shipped: shapes and word weight 2 (no language dependence, so a
		// wrong detection cannot hurt the intent). Round 3: keyword-table
		// words as cross-lingual features +0.0002 (left out); Arabic
		// dialect and Greeklish negators +0.0005 (kept, Arabic +0.007);
		// marking the word before a post-posed negator (Bengali "asbo
		// na") -0.0001, Bengali +0.003 (left out); averaging the weights
		// of the last half or third of the epochs -0.0008, -0.0004 (left
		// out: AdaGrad has settled by then); a multinomial naive Bayes over
		// the same features folded into the weights at 0.05, 0.15, 0.4:
		// +0.0003, -0.0002, -0.0018 (left out). Round 4: averaging the
		// weights of 3 models trained with different seeds 0.9082 against
		// one model's 0.9048 (shipped); 3 models of 10 epochs 0.9070.
		{"ensemble3", TrainOptions{Ensemble: 3}},
		{"shipped-ensemble5", TrainOptions{}},
		{"old-default", TrainOptions{Ensemble: 1, features: f(func(c *featureConfig) { c.shapes, c.wordWeight = false, 1 })}},
		{"char1-5", TrainOptions{Ensemble: 1, features: f(func(c *featureConfig) { c.charMax = 5 })}},
		{"lang-conj", TrainOptions{Ensemble: 1, features: f(func(c *featureConfig) { c.langConj = true })}},
		{"squeeze", TrainOptions{Ensemble: 1, features: f(func(c *featureConfig) { c.squeeze = true })}},
		{"epochs10", TrainOptions{Ensemble: 1, Epochs: 10}},
		{"l2-1e-4", TrainOptions{Ensemble: 1, L2: 1e-4}},
	}
}
