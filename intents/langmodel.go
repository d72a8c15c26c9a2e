package intents

import (
	"math"
	"sort"
)

// langModel is a multinomial naive Bayes over character 1..3-grams of the
// normalised (not accent-folded) text, one class per corpus language. It
// knows what lingua cannot: how this corpus's patients write, romanised
// Hindi, Urdu and Greek included.
type langModel struct {
	langs  []string
	rows   map[uint64]int32 // n-gram hash → row of logp
	logp   []float32        // len(rows)*len(langs): log P(gram | lang)
	unseen []float32        // per language: log P of an unseen gram
}

const langAlpha = 0.1 // additive smoothing

// langGrams calls fn with the hash of every character 1..3-gram of the
// normalised text, words padded with spaces.
func langGrams(text string, fn func(uint64)) {
	s := " " + Normalize(text) + " "
	offs := make([]int, 0, len(s)+1)
	for i := range s {
		offs = append(offs, i)
	}
	offs = append(offs, len(s))
	for j := 1; j < len(offs); j++ {
		for k := 1; k <= 3 && j-k >= 0; k++ {
			g := s[offs[j-k]:offs[j]]
			if g == " " {
				continue
			}
			fn(fnv64("l:", g))
		}
	}
}

// trainLangModel counts n-grams per language of the examples.
func trainLangModel(ex []labelled) *langModel {
	langSet := map[string]int{}
	for _, e := range ex {
		langSet[e.lang] = 0
	}
	langs := make([]string, 0, len(langSet))
	for l := range langSet {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for i, l := range langs {
		langSet[l] = i
	}
	L := len(langs)
	m := &langModel{langs: langs, rows: map[uint64]int32{}}
	var counts []float64
	totals := make([]float64, L)
	for _, e := range ex {
		li := langSet[e.lang]
		langGrams(e.text, func(h uint64) {
			r, ok := m.rows[h]
			if !ok {
				r = int32(len(m.rows))
				m.rows[h] = r
				counts = append(counts, make([]float64, L)...)
			}
			counts[int(r)*L+li]++
			totals[li]++
		})
	}
	V := float64(len(m.rows)) + 1
	m.logp = make([]float32, len(counts))
	for r := 0; r < len(m.rows); r++ {
		for li := 0; li < L; li++ {
			m.logp[r*L+li] = float32(math.Log((counts[r*L+li] + langAlpha) / (totals[li] + langAlpha*V)))
		}
	}
	m.unseen = make([]float32, L)
	for li := range m.unseen {
		m.unseen[li] = float32(math.Log(langAlpha / (totals[li] + langAlpha*V)))
	}
	return m
}

// scores returns the mean log-likelihood per n-gram of text under each
// language (in m.langs order) and the number of n-grams seen.
func (m *langModel) scores(text string) ([]float64, int) {
	L := len(m.langs)
	out := make([]float64, L)
	n := 0
	langGrams(text, func(h uint64) {
		n++
		r, ok := m.rows[h]
		if !ok {
			for li := range out {
				out[li] += float64(m.unseen[li])
			}
			return
		}
		row := m.logp[int(r)*L : int(r)*L+L]
		for li := range out {
			out[li] += float64(row[li])
		}
	})
	if n > 0 {
		for li := range out {
			out[li] /= float64(n)
		}
	}
	return out, n
}

// best returns the most likely training language of text, "" when the
// text has no n-grams.
func (m *langModel) best(text string) string {
	s, n := m.scores(text)
	if n == 0 {
		return ""
	}
	bi := 0
	for i := range s {
		if s[i] > s[bi] {
			bi = i
		}
	}
	return m.langs[bi]
}
