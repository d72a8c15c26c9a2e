package intents

import (
	"sync"
	"testing"

	"clinicsms/corpus"
	"clinicsms/locales"
)

// The model and lingua are built once per test process. Tests use lingua's
// low-accuracy mode, the production recommendation (intents.Default's
// doc); the high-accuracy mode costs seconds and ~320 MB more.
var (
	fixtureOnce   sync.Once
	fixtureModel  *Model
	fixtureLingua *LinguaDetector
	fixtureErr    error
)

func fixtures(tb testing.TB) (*Model, *LinguaDetector) {
	tb.Helper()
	fixtureOnce.Do(func() {
		ex, err := corpus.Train()
		if err != nil {
			fixtureErr = err
			return
		}
		fixtureModel, _, fixtureErr = TrainCached(ex, TrainOptions{}, CacheDir())
		if fixtureErr != nil {
			return
		}
		fixtureLingua, fixtureErr = NewLingua(locales.Supported, true)
	})
	if fixtureErr != nil {
		tb.Fatalf("build fixtures: %v", fixtureErr)
	}
	return fixtureModel, fixtureLingua
}

func testReader(tb testing.TB) *Reader {
	m, d := fixtures(tb)
	return New(d, m, Options{})
}
