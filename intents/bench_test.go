package intents

import (
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"clinicsms/corpus"
)

// benchTexts is a realistic mix of patient replies in all 30 languages:
// every line of corpus/dev, in file order (the texts are only timed here,
// never learned from).
func benchTexts(tb testing.TB) []string {
	tb.Helper()
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		tb.Fatalf("corpus.Load(dev): %v", err)
	}
	texts := make([]string, len(dev))
	for i, e := range dev {
		texts[i] = e.Text
	}
	return texts
}

// reportPercentiles times each call of fn over texts (cycling) and
// reports p50 and p99 in µs, of wall time and of the thread's CPU time
// (which leaves out waiting for a core on a busy machine).
func reportPercentiles(b *testing.B, texts []string, fn func(string)) {
	b.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		t := texts[i%len(texts)]
		c0, w0 := threadCPU(), time.Now()
		fn(t)
		wall = append(wall, time.Since(w0))
		cpu = append(cpu, threadCPU()-c0)
		i++
	}
	b.StopTimer()
	b.ReportMetric(percentileUS(wall, 50), "p50-µs")
	b.ReportMetric(percentileUS(wall, 99), "p99-µs")
	b.ReportMetric(percentileUS(cpu, 50), "p50-cpu-µs")
	b.ReportMetric(percentileUS(cpu, 99), "p99-cpu-µs")
}

// percentileUS is the nearest-rank p-th percentile of ds in µs.
func percentileUS(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	k := (p*len(ds)+99)/100 - 1
	k = max(0, min(k, len(ds)-1))
	return float64(ds[k]) / float64(time.Microsecond)
}

// BenchmarkUnderstand is the cost of understanding one message (language
// and intent) with no known language, the production detector and model.
func BenchmarkUnderstand(b *testing.B) {
	r := testReader(b)
	texts := benchTexts(b)
	reportPercentiles(b, texts, func(s string) { r.Read(s, "") })
}

// BenchmarkUnderstandKnown is the same with the conversation's language
// known (the common case once a patient has texted before).
func BenchmarkUnderstandKnown(b *testing.B) {
	r := testReader(b)
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		b.Fatal(err)
	}
	i := 0
	texts := benchTexts(b)
	reportPercentiles(b, texts, func(s string) {
		r.Read(s, dev[i%len(dev)].Lang)
		i++
	})
}

func BenchmarkRead(b *testing.B) {
	r := testReader(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Read("Hola, no podré ir mañana, ¿podemos cambiar la cita al viernes?", "")
	}
}

func BenchmarkReadKnownShort(b *testing.B) {
	r := testReader(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.Read("si claro", "es")
	}
}

// BenchmarkModelPredict is the intent model alone over the mix.
func BenchmarkModelPredict(b *testing.B) {
	m, _ := fixtures(b)
	texts := benchTexts(b)
	reportPercentiles(b, texts, func(s string) { m.Predict(s) })
}

// BenchmarkTrain is the cost of training on the embedded corpus (the
// service trains at start).
func BenchmarkTrain(b *testing.B) {
	ex, err := corpus.Train()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Train(ex, TrainOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
