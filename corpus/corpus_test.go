package corpus_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"clinicsms/corpus"
	"clinicsms/intents"
	"clinicsms/locales"
)

// Minimum examples per label per language in each split.
const (
	minTrain = 60
	minDev   = 15
)

// TestEveryLanguageAndLabel fails until every language of locales.Supported
// has train and dev files covering every label, with the right lang field.
func TestEveryLanguageAndLabel(t *testing.T) {
	for _, split := range []struct {
		dir string
		min int
	}{{"train", minTrain}, {"dev", minDev}} {
		for _, lang := range locales.Supported {
			path := filepath.Join(split.dir, lang+".jsonl")
			ex, err := corpus.Load(path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			count := map[string]int{}
			for _, e := range ex {
				if e.Lang != lang {
					t.Errorf("%s: example %q has lang %q", path, e.Text, e.Lang)
				}
				if !intents.Label(e.Intent).Valid() {
					t.Errorf("%s: example %q has unknown intent %q", path, e.Text, e.Intent)
				}
				count[e.Intent]++
			}
			for _, l := range intents.Labels {
				if count[string(l)] < split.min {
					t.Errorf("%s: %d examples of %s, want at least %d", path, count[string(l)], l, split.min)
				}
			}
		}
	}
}

// TestNoFilesBeyondSupported keeps stray languages out of the corpus.
func TestNoFilesBeyondSupported(t *testing.T) {
	for _, dir := range []string{"train", "dev"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			lang := strings.TrimSuffix(e.Name(), ".jsonl")
			if !locales.IsSupported(lang) {
				t.Errorf("%s/%s: not a supported language", dir, e.Name())
			}
		}
	}
}

// normalise folds case, spacing and punctuation so near-copies collide.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.So, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestTrainAndDevShareNoText: dev data is never trained on.
func TestTrainAndDevShareNoText(t *testing.T) {
	train, err := corpus.Load("train")
	if err != nil {
		t.Fatal(err)
	}
	dev, err := corpus.Load("dev")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range train {
		seen[e.Lang+"\x00"+normalise(e.Text)] = e.Text
	}
	for _, e := range dev {
		if tr, ok := seen[e.Lang+"\x00"+normalise(e.Text)]; ok {
			t.Errorf("dev/%s.jsonl %q is train text %q", e.Lang, e.Text, tr)
		}
	}
}

// TestEmbeddedTrainMatchesFiles: what binaries train on is corpus/train.
func TestEmbeddedTrainMatchesFiles(t *testing.T) {
	emb, err := corpus.Train()
	if err != nil {
		t.Fatal(err)
	}
	files, err := corpus.Load("train")
	if err != nil {
		t.Fatal(err)
	}
	if len(emb) != len(files) {
		t.Fatalf("corpus.Train() = %d examples, train/ holds %d", len(emb), len(files))
	}
}

func TestDecodeRejectsBadLines(t *testing.T) {
	for _, in := range []string{`{"text":"hi","lang":"en"}`, `not json`, `{"text":"","lang":"en","intent":"other"}`} {
		if _, err := corpus.Decode(strings.NewReader(in), "x.jsonl"); err == nil {
			t.Errorf("Decode(%q) = nil error, want one", in)
		}
	}
}
