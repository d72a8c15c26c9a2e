package intents

import (
	"math"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"clinicsms/corpus"
)

// scoreLabels returns accuracy and macro-F1 (over the labels that occur in
// gold or predictions) of pred against gold.
func scoreLabels(gold, pred []Label) (acc, macroF1 float64) {
	tp, fp, fn := map[Label]int{}, map[Label]int{}, map[Label]int{}
	seen := map[Label]bool{}
	ok := 0
	for i := range gold {
		seen[gold[i]], seen[pred[i]] = true, true
		if gold[i] == pred[i] {
			ok++
			tp[gold[i]]++
		} else {
			fp[pred[i]]++
			fn[gold[i]]++
		}
	}
	for l := range seen {
		p, r := 0.0, 0.0
		if tp[l]+fp[l] > 0 {
			p = float64(tp[l]) / float64(tp[l]+fp[l])
		}
		if tp[l]+fn[l] > 0 {
			r = float64(tp[l]) / float64(tp[l]+fn[l])
		}
		if p+r > 0 {
			macroF1 += 2 * p * r / (p + r)
		}
	}
	return float64(ok) / float64(len(gold)), macroF1 / float64(len(seen))
}

// TestThresholdOnDev reports how Sure's default threshold trades coverage
// for accuracy, and fails if sure readings are not clearly more accurate.
func TestThresholdOnDev(t *testing.T) {
	m, _ := fixtures(t)
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		t.Fatalf("corpus.Load(dev): %v", err)
	}
	if len(dev) == 0 {
		t.Fatal("corpus/dev is empty")
	}
	type row struct {
		conf float64
		ok   bool
	}
	rows := make([]row, 0, len(dev))
	var nll float64
	for _, e := range dev {
		l, c, p := m.Predict(e.Text)
		rows = append(rows, row{c, string(l) == e.Intent})
		for k, lab := range Labels {
			if string(lab) == e.Intent {
				nll -= logSafe(p[k])
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].conf > rows[j].conf })
	for _, th := range []float64{0.4, 0.5, 0.6, 0.7, 0.8, 0.9} {
		n, ok := 0, 0
		for _, r := range rows {
			if r.conf >= th {
				n++
				if r.ok {
					ok++
				}
			}
		}
		if n > 0 {
			t.Logf("threshold %.1f: coverage %.3f, accuracy of sure %.3f", th, float64(n)/float64(len(rows)), float64(ok)/float64(n))
		}
	}
	t.Logf("dev mean NLL %.3f, temperature %.2f", nll/float64(len(dev)), m.Temperature())
	n, ok, all := 0, 0, 0
	for _, r := range rows {
		if r.ok {
			all++
		}
		if r.conf >= 0.6 {
			n++
			if r.ok {
				ok++
			}
		}
	}
	if n == 0 || float64(ok)/float64(n) < float64(all)/float64(len(rows)) {
		t.Errorf("sure readings (conf >= 0.6): %d of %d right; overall %d of %d: sure should be more accurate", ok, n, all, len(rows))
	}
}

func TestNegation(t *testing.T) {
	m, _ := fixtures(t)
	tests := []struct {
		text string
		want Label
	}{
		{"no, I'm not cancelling, see you then", Confirm},
		{"I don't want to cancel, I'll be there", Confirm},
	}
	for _, tt := range tests {
		if got, c, _ := m.Predict(tt.text); got != tt.want {
			t.Errorf("Predict(%q) = %q (%.2f), want %q", tt.text, got, c, tt.want)
		}
	}
}

func TestTrainDeterministic(t *testing.T) {
	all, err := corpus.Train()
	if err != nil {
		t.Fatal(err)
	}
	// Every fifth example: the ensemble trains in parallel goroutines, and
	// the same data must still give the same model.
	var ex []corpus.Example
	for i := 0; i < len(all); i += 5 {
		ex = append(ex, all[i])
	}
	start := time.Now()
	m1, err := Train(ex, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Train(%d examples) took %v", len(ex), time.Since(start))
	m2, err := Train(ex, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m1.Temperature() != m2.Temperature() {
		t.Errorf("temperatures differ: %v, %v", m1.Temperature(), m2.Temperature())
	}
	texts := []string{"yes", "cancel my appointment", "可以改到周五吗", "kal nahi aa paunga", "👍", "no more texts"}
	for _, e := range ex[:min(len(ex), 300)] {
		texts = append(texts, e.Text)
	}
	for _, text := range texts {
		l1, c1, p1 := m1.Predict(text)
		l2, c2, p2 := m2.Predict(text)
		if l1 != l2 || c1 != c2 {
			t.Errorf("Predict(%q) = %q %v, then %q %v", text, l1, c1, l2, c2)
		}
		for k := range p1 {
			if p1[k] != p2[k] {
				t.Errorf("Predict(%q) probabilities differ at %s", text, Labels[k])
				break
			}
		}
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := Train(nil, TrainOptions{}); err == nil {
		t.Error("Train(nil) = nil error, want an error")
	}
	bad := []corpus.Example{{Text: "hi", Lang: "en", Intent: "greeting"}}
	if _, err := Train(bad, TrainOptions{}); err == nil {
		t.Error("Train(unknown intent) = nil error, want an error")
	}
}

func TestPredictSumsToOne(t *testing.T) {
	m, _ := fixtures(t)
	for _, text := range []string{"", "yes", "ok thanks", "ΣΤΟΠ", "\xff"} {
		_, c, p := m.Predict(text)
		var sum float64
		for _, v := range p {
			sum += v
		}
		if len(p) != len(Labels) || sum < 0.999 || sum > 1.001 || c <= 0 {
			t.Errorf("Predict(%q) probabilities %v (sum %v), confidence %v", text, p, sum, c)
		}
	}
}

func logSafe(p float64) float64 {
	if p < 1e-12 {
		p = 1e-12
	}
	return math.Log(p)
}
