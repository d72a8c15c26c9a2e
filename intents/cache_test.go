package intents

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"clinicsms/corpus"
)

// cacheExamples is a small corpus: two languages of the embedded one.
func cacheExamples(t *testing.T) []corpus.Example {
	t.Helper()
	all, err := corpus.Train()
	if err != nil {
		t.Fatal(err)
	}
	var ex []corpus.Example
	for _, e := range all {
		if e.Lang == "es" || e.Lang == "ru" {
			ex = append(ex, e)
		}
	}
	return ex
}

func TestTrainCachedLoadsWhatItTrained(t *testing.T) {
	ex := cacheExamples(t)
	dir := t.TempDir()
	opts := TrainOptions{Bits: 16, Epochs: 3, Ensemble: 2}
	trained, hit, err := TrainCached(ex, opts, dir)
	if err != nil || hit {
		t.Fatalf("first TrainCached = hit %v, err %v; want a fresh training", hit, err)
	}
	loaded, hit, err := TrainCached(ex, opts, dir)
	if err != nil || !hit {
		t.Fatalf("second TrainCached = hit %v, err %v; want the cached weights", hit, err)
	}
	if !slices.Equal(trained.w, loaded.w) || !slices.Equal(trained.b, loaded.b) || trained.temp != loaded.temp {
		t.Fatal("cached weights differ from the trained ones")
	}
	for _, text := range []string{"si voy", "не приду, отмените", "¿dónde estacionar?", "STOP"} {
		l1, p1, _ := trained.Predict(text)
		l2, p2, _ := loaded.Predict(text)
		if l1 != l2 || p1 != p2 {
			t.Errorf("Predict(%q): trained %s %.4f, cached %s %.4f", text, l1, p1, l2, p2)
		}
	}
	if d1, d2 := trained.LangDistribution("не приду"), loaded.LangDistribution("не приду"); !slices.Equal(d1, d2) {
		t.Errorf("language model differs: %v vs %v", d1, d2)
	}
}

func TestTrainCachedKeyFollowsInputs(t *testing.T) {
	ex := cacheExamples(t)
	dir := t.TempDir()
	opts := TrainOptions{Bits: 14, Epochs: 2, Ensemble: 1}
	if _, _, err := TrainCached(ex, opts, dir); err != nil {
		t.Fatal(err)
	}
	changed := slices.Clone(ex)
	changed[0].Intent = string(Other)
	if changed[0].Intent == ex[0].Intent {
		changed[0].Intent = string(Confirm)
	}
	for name, c := range map[string]struct {
		ex   []corpus.Example
		opts TrainOptions
	}{
		"one label changed": {changed, opts},
		"one example fewer": {ex[1:], opts},
		"other epochs":      {ex, TrainOptions{Bits: 14, Epochs: 3, Ensemble: 1}},
	} {
		if _, hit, err := TrainCached(c.ex, c.opts, dir); err != nil || hit {
			t.Errorf("%s: hit %v, err %v; want a fresh training", name, hit, err)
		}
	}
}

func TestTrainCachedSurvivesBadFiles(t *testing.T) {
	ex := cacheExamples(t)
	dir := t.TempDir()
	opts := TrainOptions{Bits: 14, Epochs: 2, Ensemble: 1}
	want, _, err := TrainCached(ex, opts, dir)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "intents-*.bin"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one weights file", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"truncated": b[:len(b)/2],
		"trailing":  append(slices.Clone(b), 0),
		"not ours":  []byte("hello"),
	} {
		if err := os.WriteFile(files[0], bad, 0o644); err != nil {
			t.Fatal(err)
		}
		got, hit, err := TrainCached(ex, opts, dir)
		if err != nil || hit {
			t.Errorf("%s file: hit %v, err %v; want a fresh training", name, hit, err)
			continue
		}
		if !slices.Equal(got.w, want.w) {
			t.Errorf("%s file: retrained weights differ", name)
		}
	}
	// An unwritable cache place is no error either.
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, hit, err := TrainCached(ex, opts, filepath.Join(blocker, "sub")); err != nil || hit {
		t.Errorf("unwritable dir: hit %v, err %v; want a fresh training", hit, err)
	}
}

func TestCacheDirFromEnvironment(t *testing.T) {
	t.Setenv("INTENTS_CACHE_DIR", "off")
	if d := CacheDir(); d != "" {
		t.Errorf("INTENTS_CACHE_DIR=off: CacheDir() = %q, want none", d)
	}
	t.Setenv("INTENTS_CACHE_DIR", "/tmp/x")
	if d := CacheDir(); d != "/tmp/x" {
		t.Errorf("CacheDir() = %q, want /tmp/x", d)
	}
}

func TestTrainCachedKeepsRecentFiles(t *testing.T) {
	ex := cacheExamples(t)
	dir := t.TempDir()
	opts := TrainOptions{Bits: 12, Epochs: 1, Ensemble: 1}
	var first string
	for i := 0; i < cacheKeep+2; i++ {
		if _, _, err := TrainCached(ex[i:], opts, dir); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			files, _ := filepath.Glob(filepath.Join(dir, "intents-*.bin"))
			first = files[0]
			// the first corpus stays in use: loading it keeps it recent
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(first, old, old); err != nil {
				t.Fatal(err)
			}
		}
		if i == cacheKeep-1 { // the cache is full: the next file prunes one
			if _, hit, _ := TrainCached(ex, opts, dir); !hit {
				t.Fatal("the first corpus was pruned before its time")
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "intents-*.bin"))
	if len(files) != cacheKeep {
		t.Errorf("cache holds %d files, want %d", len(files), cacheKeep)
	}
	if _, err := os.Stat(first); err != nil {
		t.Errorf("the recently loaded file was pruned: %v", err)
	}
}
