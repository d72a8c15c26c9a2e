package intents

import (
	"math"
)

// Model is the local intent classifier: multinomial logistic regression
// over hashed features (word unigrams and bigrams with negation marking,
// character 1..4-grams of the accent-folded text, emoji, punctuation and
// length), with a temperature fitted so its probabilities are calibrated.
// It also carries a naive-Bayes language model of the same corpus.
// A Model is read-only after Train and safe for concurrent use.
type Model struct {
	x    extractor
	w    []float32 // (1<<bits) rows × len(Labels) columns
	b    []float32 // per label
	temp float64   // softmax temperature (1 = none)
	lang *langModel
}

// Temperature returns the softmax temperature fitted on held-out training
// data (1 when calibration was off).
func (m *Model) Temperature() float64 { return m.temp }

// Predict returns the most probable label of text, its calibrated
// probability, and the probabilities of every label in Labels order.
func (m *Model) Predict(text string) (Label, float64, []float64) {
	return m.PredictIn(text, "")
}

// PredictIn is Predict for a text whose language is known or detected
// (ISO 639-1; "" when unknown, and the model then uses its own n-gram
// guess). The language only sharpens the reading: words that mean
// different things in different languages.
func (m *Model) PredictIn(text, lang string) (Label, float64, []float64) {
	if m.x.cfg.langConj && lang == "" {
		lang = m.lang.best(text)
	}
	p := m.probs(m.x.features(text, lang), m.temp)
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	return Labels[best], p[best], p
}

// scores returns the raw class scores of a feature vector.
func (m *Model) scores(fs []feature, out []float64) []float64 {
	K := len(Labels)
	if out == nil {
		out = make([]float64, K)
	}
	for k := 0; k < K; k++ {
		out[k] = float64(m.b[k])
	}
	for _, f := range fs {
		row := m.w[int(f.idx)*K : int(f.idx)*K+K]
		v := float64(f.val)
		for k := 0; k < K; k++ {
			out[k] += v * float64(row[k])
		}
	}
	return out
}

func (m *Model) probs(fs []feature, temp float64) []float64 {
	s := m.scores(fs, nil)
	softmax(s, temp)
	return s
}

// softmax turns scores into probabilities in place, dividing by temp.
func softmax(s []float64, temp float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = math.Max(mx, v)
	}
	var sum float64
	for i, v := range s {
		s[i] = math.Exp((v - mx) / temp)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}

// Langs lists the languages the model was trained on, sorted.
func (m *Model) Langs() []string {
	return append([]string(nil), m.lang.langs...)
}

// LangDistribution returns the model's own belief over its training
// languages (posterior of the n-gram language model, tempered so that a
// few characters are weak evidence and a sentence is strong), best first.
func (m *Model) LangDistribution(text string) []LangScore {
	s, n := m.lang.scores(text)
	if n == 0 {
		return nil
	}
	// The mean log-likelihood times an evidence weight that grows with
	// length but slower than the n-gram count (n-grams overlap).
	weight := 3 * math.Sqrt(float64(n))
	for i := range s {
		s[i] *= weight
	}
	softmax(s, 1)
	out := make([]LangScore, len(s))
	for i, l := range m.lang.langs {
		out[i] = LangScore{Lang: l, Score: s[i]}
	}
	sortScores(out)
	return out
}
