package intents_test

import (
	"context"
	"path/filepath"
	"sort"
	"testing"

	"clinicsms/corpus"
	"clinicsms/eval"
	"clinicsms/intents"
	"clinicsms/locales"
)

// The accuracy gate (the goal): on corpus/dev, with no language
// hint, through the whole Reader (keywords, codes, model, the production
// language detection), every language reaches these.
const (
	minDevMacroF1  = 0.93
	minDevAccuracy = 0.85
)

func TestReaderOnDev(t *testing.T) {
	r := intents.SharedReader(t)
	dev, err := corpus.Load(filepath.Join("..", "corpus", "dev"))
	if err != nil {
		t.Fatalf("corpus.Load(dev): %v", err)
	}
	rep := eval.Run(context.Background(), r, dev, eval.Options{})
	t.Logf("dev, no hint: n=%d accuracy %.4f macro-F1 %.4f language %.4f", rep.N, rep.Accuracy, rep.MacroF1, rep.LangAccuracy)
	langs := append([]string(nil), locales.Supported...)
	sort.Slice(langs, func(i, j int) bool { return rep.PerLanguage[langs[i]].MacroF1 < rep.PerLanguage[langs[j]].MacroF1 })
	for _, lang := range langs {
		s, ok := rep.PerLanguage[lang]
		if !ok || s.N == 0 {
			t.Errorf("dev %s: no examples", lang)
			continue
		}
		t.Logf("dev %s: n=%d accuracy %.4f macro-F1 %.4f", lang, s.N, s.Accuracy, s.MacroF1)
		if s.MacroF1 < minDevMacroF1 || s.Accuracy < minDevAccuracy {
			t.Errorf("dev %s: macro-F1 %.4f, accuracy %.4f; want >= %.2f and >= %.2f", lang, s.MacroF1, s.Accuracy, minDevMacroF1, minDevAccuracy)
		}
	}
}
