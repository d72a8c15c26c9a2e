package intents

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"clinicsms/corpus"
)

// TrainOptions tunes Train. Zero fields take the defaults shown.
type TrainOptions struct {
	Bits uint // feature table size 2^Bits (19)
	// Epochs is the number of passes over the data (10). On replies
	// written after the training data 10 and 15 score the same and 10
	// trains in about 70 % of the time (BenchmarkFreshTraining).
	Epochs       int
	LearningRate float64 // AdaGrad step (0.5)
	L2           float64 // weight decay on touched weights (1e-6)
	Seed         uint64  // shuffling seed (1)
	// Ensemble is how many models, trained with seeds Seed, Seed+1, ...,
	// have their weights averaged (5): less dependence on the visiting
	// order. 3 gained +0.003 cross-validated macro-F1 over 1 (session 1);
	// 5 scores the same as 3 on fresh replies and was chosen when German
	// dev, which swings ±0.01 with the seed, fell under its gate with 3
	// (BenchmarkFreshTraining, docs/BENCHMARKS.md "Understanding").
	Ensemble int
	// features overrides the feature configuration (tests and
	// cross-validation only); nil means defaultFeatures.
	features *featureConfig
	// HoldOut is the share of training examples set aside to fit the
	// softmax temperature before the final model trains on all of them
	// (0.1). Negative turns calibration off (temperature 1).
	HoldOut float64
}

func (o TrainOptions) withDefaults() TrainOptions {
	if o.Bits == 0 {
		o.Bits = 19
	}
	if o.Epochs == 0 {
		o.Epochs = 10
	}
	if o.LearningRate == 0 {
		o.LearningRate = 0.5
	}
	if o.L2 == 0 {
		o.L2 = 1e-6
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Ensemble == 0 {
		o.Ensemble = 5
	}
	if o.HoldOut == 0 {
		o.HoldOut = 0.1
	}
	return o
}

// labelled is an example with its label as an index into Labels.
type labelled struct {
	text, lang string
	label      int
}

// vectorised is a labelled example turned into features.
type vectorised struct {
	fs    []feature
	label int
}

// Train fits a Model on ex, deterministically: the same examples and
// options give the same model. It fails on an empty set or an unknown
// intent label.
func Train(ex []corpus.Example, opts TrainOptions) (*Model, error) {
	opts = opts.withDefaults()
	if opts.Bits < 10 || opts.Bits > 26 {
		return nil, fmt.Errorf("train: bits %d out of range 10..26", opts.Bits)
	}
	if len(ex) == 0 {
		return nil, errors.New("train: no examples")
	}
	data, err := labelExamples(ex)
	if err != nil {
		return nil, err
	}
	x := opts.extractor()
	vec := make([]vectorised, len(data))
	for i, d := range data {
		// features leaves room to spare (8 per byte of text); a copy of
		// the used part keeps tens of MB less alive while training.
		vec[i] = vectorised{fs: slices.Clone(x.features(d.text, d.lang)), label: d.label}
	}

	temp := 1.0
	if opts.HoldOut > 0 {
		var fit, held []vectorised
		for i, d := range data {
			if heldOut(d, opts.HoldOut) {
				held = append(held, vec[i])
			} else {
				fit = append(fit, vec[i])
			}
		}
		if len(held) > 0 && len(fit) > 0 {
			// One model is enough to fit the temperature (a one-off
			// comparison found the average's within 2%), and start-up
			// is shorter by that much training.
			one := opts
			one.Ensemble = 1
			m := fitWeights(x, fit, one)
			temp = fitTemperature(m, held)
		}
	}
	m := fitWeights(x, vec, opts)
	m.temp = temp
	m.lang = trainLangModel(data)
	return m, nil
}

// extractor is the feature extractor o trains with (o with defaults).
func (o TrainOptions) extractor() extractor {
	x := extractor{bits: o.Bits, cfg: defaultFeatures}
	if o.features != nil {
		x.cfg = *o.features
	}
	return x
}

// labelExamples turns examples into labelled ones; it fails on an
// unknown intent.
func labelExamples(ex []corpus.Example) ([]labelled, error) {
	index := make(map[Label]int, len(Labels))
	for i, l := range Labels {
		index[l] = i
	}
	data := make([]labelled, 0, len(ex))
	for i, e := range ex {
		k, ok := index[Label(e.Intent)]
		if !ok {
			return nil, fmt.Errorf("train: example %d: unknown intent %q", i, e.Intent)
		}
		data = append(data, labelled{text: e.Text, lang: e.Lang, label: k})
	}
	return data, nil
}

// heldOut picks an example for the calibration slice by a hash of its
// text, so the choice does not depend on file order.
func heldOut(d labelled, share float64) bool {
	h := fnv64(d.lang+"\x00", d.text)
	return float64(h%10000) < share*10000
}

// fitWeights trains opts.Ensemble models and averages their weights.
// Each runs AdaGrad on the multinomial logistic loss with L2 on the
// weights each example touches, visiting examples in a seeded order. Each
// feature's weights and AdaGrad accumulators sit side by side (one cache
// line for eight labels): training is bound by memory, not arithmetic.
//
// Members train one per core at most (more would not finish sooner),
// taken in index order, and each adds its weights into the average in
// index order too, so the sums are the same every run; then it drops its
// accumulators. At 19 bits a member holds 32 MB while it trains and the
// average 16 MB.
func fitWeights(x extractor, data []vectorised, opts TrainOptions) *Model {
	n := max(opts.Ensemble, 1)
	K := len(Labels)
	m := &Model{x: x, w: make([]float32, (1<<x.bits)*K), b: make([]float32, K), temp: 1}
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	turn := make([]chan struct{}, n+1) // turn[i] closes when member i may add
	for i := range turn {
		turn[i] = make(chan struct{})
	}
	close(turn[0])
	var wg sync.WaitGroup
	for range min(n, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				o := opts
				o.Seed += uint64(i)
				rows, b := fitOne(x, data, o)
				<-turn[i]
				for r := range len(rows) / (2 * K) {
					dst, src := m.w[r*K:r*K+K], rows[r*2*K:r*2*K+K]
					for k := range dst {
						dst[k] += src[k]
					}
				}
				for k := range b {
					m.b[k] += b[k]
				}
				close(turn[i+1])
			}
		}()
	}
	wg.Wait()
	if n > 1 {
		inv := 1 / float32(n)
		for j := range m.w {
			m.w[j] *= inv
		}
		for k := range m.b {
			m.b[k] *= inv
		}
	}
	return m
}

// fitOne is one member of the ensemble (see fitWeights): it returns, per
// feature, K weights then K accumulators, and the K biases.
func fitOne(x extractor, data []vectorised, opts TrainOptions) (rows, bias []float32) {
	K := len(Labels)
	dim := 1 << x.bits
	bias = make([]float32, K)
	rows = make([]float32, dim*2*K) // per feature: K weights, then K accumulators
	gb := make([]float64, K)
	order := make([]int, len(data))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	lr := float32(opts.LearningRate)
	l2 := float32(opts.L2)
	const eps = 1e-8
	p := make([]float64, K)
	for epoch := 0; epoch < opts.Epochs; epoch++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			d := data[i]
			for k := 0; k < K; k++ {
				p[k] = float64(bias[k])
			}
			for _, f := range d.fs {
				row := rows[int(f.idx)*2*K : int(f.idx)*2*K+K]
				v := float64(f.val)
				for k := 0; k < K; k++ {
					p[k] += v * float64(row[k])
				}
			}
			softmax(p, 1)
			p[d.label]--
			for k := 0; k < K; k++ {
				g := p[k]
				gb[k] += g * g
				bias[k] -= float32(opts.LearningRate * g / math.Sqrt(gb[k]+eps))
			}
			for _, f := range d.fs {
				row := rows[int(f.idx)*2*K : int(f.idx)*2*K+2*K]
				w, g2 := row[:K], row[K:]
				for k := 0; k < K; k++ {
					g := float32(p[k])*f.val + l2*w[k]
					g2[k] += g * g
					w[k] -= lr * g / float32(math.Sqrt(float64(g2[k])+eps))
				}
			}
		}
	}
	return rows, bias
}

// fitTemperature picks the softmax temperature minimising the negative
// log-likelihood of the held-out examples (a grid, then a finer grid).
func fitTemperature(m *Model, held []vectorised) float64 {
	scores := make([][]float64, len(held))
	for i, h := range held {
		scores[i] = m.scores(h.fs, nil)
	}
	nll := func(t float64) float64 {
		var sum float64
		p := make([]float64, len(Labels))
		for i, h := range held {
			copy(p, scores[i])
			softmax(p, t)
			sum -= math.Log(math.Max(p[h.label], 1e-12))
		}
		return sum
	}
	best, bestLoss := 1.0, math.Inf(1)
	for t := 0.25; t <= 8; t *= 1.1 {
		if l := nll(t); l < bestLoss {
			best, bestLoss = t, l
		}
	}
	lo, hi := best/1.1, best*1.1
	for t := lo; t <= hi; t += (hi - lo) / 40 {
		if l := nll(t); l < bestLoss {
			best, bestLoss = t, l
		}
	}
	return best
}

// sortScores orders language scores best first, ties by code.
func sortScores(s []LangScore) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Score != s[j].Score {
			return s[i].Score > s[j].Score
		}
		return s[i].Lang < s[j].Lang
	})
}
