package intents

import (
	"flag"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"clinicsms/corpus"
	"clinicsms/locales"
)

var linguaCompare = flag.Bool("lingua.compare", false, "TestLanguageOnDev: also compare lingua modes and detector-skip settings")

// langRun is language accuracy and the CPU time of Reader.Read over
// examples with no known language.
type langRun struct {
	acc      float64
	p50, p99 time.Duration
}

func measureLang(r *Reader, dev []corpus.Example) langRun {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ok := 0
	lat := make([]time.Duration, 0, len(dev))
	for _, e := range dev {
		start := threadCPU()
		got := r.Read(e.Text, "")
		lat = append(lat, threadCPU()-start)
		if got.Lang == e.Lang {
			ok++
		}
	}
	slices.Sort(lat)
	return langRun{
		acc: float64(ok) / float64(len(dev)),
		p50: lat[len(lat)/2],
		p99: lat[min(len(lat)-1, len(lat)*99/100)],
	}
}

func TestLanguageOnDev(t *testing.T) {
	m, det := fixtures(t)
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		t.Fatal(err)
	}
	got := measureLang(New(det, m, Options{}), dev)
	t.Logf("language accuracy on dev, no hint: %.4f (Read p50 %v, p99 %v)", got.acc, got.p50, got.p99)
	// Many dev replies are English or code-switched in another language's
	// file ("ok", "please cancel ji"): no detector gets those right.
	if got.acc < 0.80 {
		t.Errorf("language accuracy on dev %.4f, want >= 0.80", got.acc)
	}
	if !*linguaCompare {
		return
	}
	low := det
	high, err := NewLingua(locales.Supported, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []struct {
		name string
		d    Detector
		skip float64
	}{
		{"high, always", high, 2},
		{"high, skip 0.999", high, 0.999},
		{"high, skip 0.99", high, 0.99},
		{"high, skip 0.9", high, 0.9},
		{"low, skip 0.9", low, 0.9},
		{"low, always", low, 2},
		{"low, skip 0.999", low, 0.999},
		{"low, skip 0.99", low, 0.99},
		{"low, skip 0.85 (default)", low, 0.85},
		{"model only", NewScriptDetector(), 0.0001},
	} {
		measureLang(New(v.d, m, Options{DetectorSkip: v.skip}), dev[:200]) // warm up
		got := measureLang(New(v.d, m, Options{DetectorSkip: v.skip}), dev)
		t.Logf("%-18s lang accuracy %.4f  Read CPU p50 %6.1f µs  p99 %6.1f µs", v.name, got.acc,
			float64(got.p50)/1e3, float64(got.p99)/1e3)
	}
}

// BenchmarkLinguaLoad measures building lingua from the 30 languages in
// each mode: time, and heap held afterwards (after GC).
//
//	go test ./intents -run '^$' -bench LinguaLoad -benchtime 1x
func BenchmarkLinguaLoad(b *testing.B) {
	for _, mode := range []struct {
		name string
		low  bool
	}{{"high", false}, {"low", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var before, after runtime.MemStats
			for b.Loop() {
				runtime.GC()
				runtime.ReadMemStats(&before)
				d, err := NewLingua(locales.Supported, mode.low)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(d)
			}
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		})
	}
}
