package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"clinicsms/corpus"
	"clinicsms/intents"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeClock is a clock that moves only when the fake classifier reads.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// fake reads from a fixed table. Each Read advances the clock by cost(text)
// and records the known language it was given.
type fake struct {
	readings map[string]intents.Reading
	clock    *fakeClock
	cost     func(text string) time.Duration
	known    []string
}

func (f *fake) Read(text, knownLang string) intents.Reading {
	f.known = append(f.known, knownLang)
	if f.clock != nil && f.cost != nil {
		f.clock.now = f.clock.now.Add(f.cost(text))
	}
	return f.readings[text]
}

func TestRunMetrics(t *testing.T) {
	ex := []corpus.Example{
		{Text: "a", Lang: "en", Intent: "confirm"},
		{Text: "b", Lang: "en", Intent: "confirm"},
		{Text: "c", Lang: "es", Intent: "cancel"},
		{Text: "d", Lang: "es", Intent: "reschedule"},
	}
	f := &fake{readings: map[string]intents.Reading{
		"a": {Lang: "en", Intent: intents.Confirm},
		"b": {Lang: "es", Intent: intents.Cancel},
		"c": {Lang: "es", Intent: intents.Cancel},
		"d": {Lang: "es", Intent: intents.Cancel},
	}}
	still := func() time.Time { return time.Unix(0, 0) }
	got := Run(context.Background(), f, ex, Options{Clock: still})
	// confirm: P 1/1, R 1/2, F1 2/3; cancel: P 1/3, R 1/1, F1 1/2;
	// reschedule: P 0, R 0, F1 0. Macro-F1 (2/3 + 1/2 + 0) / 3.
	want := Report{
		N: 4, Accuracy: 0.5, MacroF1: 0.3889, LangAccuracy: 0.75,
		PerLanguage: map[string]LangScore{
			"en": {N: 2, Accuracy: 0.5, MacroF1: 0.3333}, // confirm 2/3, cancel 0
			"es": {N: 2, Accuracy: 0.5, MacroF1: 0.3333}, // cancel 2/3, reschedule 0
		},
		PerIntent: map[string]IntentScore{
			"confirm":    {Precision: 1, Recall: 0.5, F1: 0.6667, N: 2},
			"cancel":     {Precision: 0.3333, Recall: 1, F1: 0.5, N: 1},
			"reschedule": {Precision: 0, Recall: 0, F1: 0, N: 1},
		},
		Confusion: map[string]map[string]int{
			"confirm":    {"confirm": 1, "cancel": 1},
			"cancel":     {"cancel": 1},
			"reschedule": {"cancel": 1},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run() =\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(f.known, []string{"", "", "", ""}) {
		t.Errorf("Run(Hint: false) passed known languages %q, want none", f.known)
	}
}

func TestRunHint(t *testing.T) {
	ex := []corpus.Example{{Text: "a", Lang: "en", Intent: "confirm"}, {Text: "b", Lang: "hi", Intent: "cancel"}}
	f := &fake{readings: map[string]intents.Reading{}}
	Run(context.Background(), f, ex, Options{Hint: true})
	if !reflect.DeepEqual(f.known, []string{"en", "hi"}) {
		t.Errorf("Run(Hint: true) passed known languages %q, want [en hi]", f.known)
	}
}

func TestRunNoIntentAndUnknownGold(t *testing.T) {
	ex := []corpus.Example{{Text: "a", Lang: "en", Intent: "confirm"}, {Text: "b", Lang: "en", Intent: "maybe"}}
	f := &fake{readings: map[string]intents.Reading{"b": {Lang: "en", Intent: intents.Other}}}
	got := Run(context.Background(), f, ex, Options{})
	if got.Confusion["confirm"][noIntent] != 1 || got.Confusion["maybe"]["other"] != 1 {
		t.Errorf("Run() confusion = %v, want confirm→(none) and maybe→other", got.Confusion)
	}
	if _, ok := got.PerIntent[noIntent]; ok {
		t.Errorf("Run() per_intent has %q", noIntent)
	}
	// confirm: recall 0, F1 0; other: predicted once, never gold, F1 0.
	if got.MacroF1 != 0 || len(got.PerIntent) != 2 {
		t.Errorf("Run() macro-F1 %v over %v, want 0 over confirm and other", got.MacroF1, got.PerIntent)
	}
}

func TestRunLatency(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	f := &fake{readings: map[string]intents.Reading{}, clock: clock}
	var ex []corpus.Example
	costs := map[string]time.Duration{}
	for i := 100; i >= 1; i-- { // 100 µs down to 1 µs
		text := strings.Repeat("x", i)
		costs[text] = time.Duration(i) * time.Microsecond
		ex = append(ex, corpus.Example{Text: text, Lang: "en", Intent: "other"})
	}
	f.cost = func(text string) time.Duration { return costs[text] }
	got := Run(context.Background(), f, ex, Options{Clock: clock.Now})
	if got.Latency != (Latency{P50: 50, P99: 99}) {
		t.Errorf("Run() latency = %+v, want p50 50 p99 99", got.Latency)
	}
}

func TestRunProgressAndCancel(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	f := &fake{readings: map[string]intents.Reading{}, clock: clock, cost: func(string) time.Duration { return 600 * time.Millisecond }}
	ex := make([]corpus.Example, 5)
	for i := range ex {
		ex[i] = corpus.Example{Text: "x", Lang: "en", Intent: "other"}
	}
	var progress bytes.Buffer
	Run(context.Background(), f, ex, Options{Progress: &progress, Clock: clock.Now})
	// Reads end at 0.6 s, 1.2 s, ... : lines after the first read, when a
	// second has passed (3rd, 5th), and the final one.
	want := "\r1/5  accuracy 0.000 \r3/5  accuracy 0.000 \r5/5  accuracy 0.000 \r5/5  accuracy 0.000 \n"
	if progress.String() != want {
		t.Errorf("progress = %q, want %q", progress.String(), want)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := Run(ctx, f, ex, Options{}); got.N != 0 {
		t.Errorf("Run(cancelled) read %d examples, want 0", got.N)
	}
}

// TestGolden pins the JSON, the table and the HTML of a fixed run.
// Refresh with: go test ./eval -update
func TestGolden(t *testing.T) {
	ex, err := corpus.Load("testdata/fixture.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	answers, err := corpus.Load("testdata/readings.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Unix(0, 0)}
	f := &fake{readings: map[string]intents.Reading{}, clock: clock,
		cost: func(text string) time.Duration { return time.Duration(len(text)) * 1500 * time.Nanosecond }}
	for _, a := range answers {
		f.readings[a.Text] = intents.Reading{Lang: a.Lang, Intent: intents.Label(a.Intent)}
	}
	if len(f.readings) != len(ex) {
		t.Fatalf("readings.jsonl has %d texts, fixture.jsonl %d", len(f.readings), len(ex))
	}
	rep := Run(context.Background(), f, ex, Options{Clock: clock.Now})

	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		t.Fatal(err)
	}
	var table, page bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatalf("WriteTable: %v", err)
	}
	if err := rep.WriteHTML(&page); err != nil {
		t.Fatalf("WriteHTML: %v", err)
	}
	golden(t, "report.json", js.Bytes())
	golden(t, "report.txt", table.Bytes())
	golden(t, "report.html", page.Bytes())

	// The JSON has exactly SPEC §8's shape.
	var generic map[string]any
	if err := json.Unmarshal(js.Bytes(), &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"n", "accuracy", "macro_f1", "lang_accuracy", "per_language", "per_intent", "confusion", "latency_us"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("report JSON lacks %q", k)
		}
	}
	if len(generic) != 8 {
		t.Errorf("report JSON has %d keys, want 8", len(generic))
	}
	es := generic["per_language"].(map[string]any)["es"].(map[string]any)
	for _, k := range []string{"n", "accuracy", "macro_f1"} {
		if _, ok := es[k]; !ok {
			t.Errorf("per_language.es lacks %q", k)
		}
	}
	cancel := generic["per_intent"].(map[string]any)["cancel"].(map[string]any)
	for _, k := range []string{"precision", "recall", "f1", "n"} {
		if _, ok := cancel[k]; !ok {
			t.Errorf("per_intent.cancel lacks %q", k)
		}
	}
	lat := generic["latency_us"].(map[string]any)
	if _, ok := lat["p50"]; !ok {
		t.Errorf("latency_us lacks p50")
	}

	// The page stands alone: no scripts, links or remote resources.
	for _, bad := range []string{"<script", "<link", "src=", "http://", "https://", "@import"} {
		if bytes.Contains(page.Bytes(), []byte(bad)) {
			t.Errorf("WriteHTML output contains %q", bad)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./eval -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s\n(run go test ./eval -update if the change is intended)", name, got)
	}
}
