package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clinicsms/corpus"
	"clinicsms/eval"
	"clinicsms/intents"
)

// keywordReader is a stand-in for the real reader: "yes" words confirm,
// everything else is "other"; it claims English unless told the language.
type keywordReader struct{ known []string }

func (k *keywordReader) Read(text, knownLang string) intents.Reading {
	k.known = append(k.known, knownLang)
	lang := "en"
	if knownLang != "" {
		lang = knownLang
	}
	switch strings.ToLower(text) {
	case "yes", "sí", "oui":
		return intents.Reading{Lang: lang, Intent: intents.Confirm}
	}
	return intents.Reading{Lang: lang, Intent: intents.Other}
}

type testEnv struct {
	reader *keywordReader
	env    map[string]string
	dir    string
	train  [][]corpus.Example // what each newReader call was given
}

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "dev", "en.jsonl"),
		`{"text":"yes","lang":"en","intent":"confirm"}`+"\n"+
			`{"text":"cancel it","lang":"en","intent":"cancel"}`+"\n\n"+
			`{"text":"thanks","lang":"en","intent":"other"}`+"\n")
	write(t, filepath.Join(dir, "dev", "es.jsonl"),
		`{"text":"sí","lang":"es","intent":"confirm"}`+"\n")
	write(t, filepath.Join(dir, "dev", "notes.txt"), "not data\n")
	return &testEnv{reader: &keywordReader{}, env: map[string]string{}, dir: dir}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *testEnv) run(args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	d := deps{
		getenv: func(k string) string { return e.env[k] },
		newReader: func(train []corpus.Example) (eval.Classifier, error) {
			e.train = append(e.train, train)
			return e.reader, nil
		},
		clock: func() time.Time { return time.Unix(0, 0) },
	}
	err = runWith(d, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestJSON(t *testing.T) {
	e := newEnv(t)
	stdout, stderr, err := e.run("-json", filepath.Join(e.dir, "dev"))
	if err != nil {
		t.Fatalf("intent-eval -json: %v (stderr %q)", err, stderr)
	}
	var rep eval.Report
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&rep); err != nil {
		t.Fatalf("intent-eval -json: output is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("intent-eval -json printed more than one object")
	}
	// yes → confirm, cancel it → other (wrong), thanks → other, sí → confirm.
	if rep.N != 4 || rep.Accuracy != 0.75 || rep.LangAccuracy != 0.75 || rep.PerLanguage["es"].N != 1 {
		t.Errorf("intent-eval -json: n %d accuracy %v lang %v es %+v, want 4, 0.75, 0.75, n 1",
			rep.N, rep.Accuracy, rep.LangAccuracy, rep.PerLanguage["es"])
	}
	if stderr != "" {
		t.Errorf("intent-eval -json wrote to stderr: %q", stderr)
	}
	for i, k := range e.reader.known {
		if k != "" {
			t.Errorf("intent-eval without -hint: Read %d got known language %q", i, k)
		}
	}
}

func TestHint(t *testing.T) {
	e := newEnv(t)
	stdout, _, err := e.run("-json", "-hint", filepath.Join(e.dir, "dev", "es.jsonl"), filepath.Join(e.dir, "dev", "en.jsonl"))
	if err != nil {
		t.Fatalf("intent-eval -hint: %v", err)
	}
	// Files are read in path order: en then es.
	if got := strings.Join(e.reader.known, ","); got != "en,en,en,es" {
		t.Errorf("intent-eval -hint passed known languages %s, want en,en,en,es", got)
	}
	if !strings.Contains(stdout, `"lang_accuracy": 1`) {
		t.Errorf("intent-eval -hint: lang_accuracy not 1 in\n%s", stdout)
	}
}

func TestTableAndHTML(t *testing.T) {
	e := newEnv(t)
	page := filepath.Join(e.dir, "out", "report.html")
	os.MkdirAll(filepath.Dir(page), 0o755)
	stdout, stderr, err := e.run("-html", page, filepath.Join(e.dir, "dev"))
	if err != nil {
		t.Fatalf("intent-eval -html: %v", err)
	}
	for _, want := range []string{"accuracy", "macro-F1", "confusion", "confirm", "es "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("intent-eval table lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "\r4/4") || !strings.Contains(stderr, "4 examples") {
		t.Errorf("intent-eval stderr lacks the progress line: %q", stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("intent-eval -html wrote no file: %v", err)
	}
	if !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) || !bytes.Contains(b, []byte("Confusion matrix")) {
		t.Errorf("intent-eval -html wrote %.200s...", b)
	}
}

func TestFailures(t *testing.T) {
	e := newEnv(t)
	write(t, filepath.Join(e.dir, "bad", "broken.jsonl"), `{"text":"yes","lang":"en","intent":"confirm"}`+"\n"+`{"text": "oops"`+"\n")
	write(t, filepath.Join(e.dir, "bad", "nolabel.jsonl"), `{"text":"yes","lang":"en"}`+"\n")
	write(t, filepath.Join(e.dir, "bad", "typo.jsonl"), `{"text":"yes","lang":"en","intent":"confrim"}`+"\n")
	os.MkdirAll(filepath.Join(e.dir, "empty"), 0o755)

	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no path", nil, []string{"-json"}, 2, "no PATH"},
		{"unknown flag", nil, []string{"-fast", e.dir}, 2, "flag provided but not defined"},
		{"missing path", nil, []string{filepath.Join(e.dir, "nope.jsonl")}, 1, "nope.jsonl"},
		{"malformed line", nil, []string{filepath.Join(e.dir, "bad", "broken.jsonl")}, 1, "broken.jsonl:2"},
		{"line without intent", nil, []string{filepath.Join(e.dir, "bad", "nolabel.jsonl")}, 1, "nolabel.jsonl:1"},
		{"unknown intent", nil, []string{filepath.Join(e.dir, "bad", "typo.jsonl")}, 1, `unknown intent "confrim"`},
		{"empty folder", nil, []string{filepath.Join(e.dir, "empty")}, 1, "no examples"},
		{"llm unset", nil, []string{"-llm", filepath.Join(e.dir, "dev")}, 2, "LLM fallback not configured"},
		{"llm without a model", map[string]string{"LLM_BASE_URL": "http://127.0.0.1:1"}, []string{"-llm", filepath.Join(e.dir, "dev")}, 2, "LLM fallback"},
	}
	for _, tt := range tests {
		e.env = tt.env
		_, _, err := e.run(tt.args...)
		if got := exitCode(err); got != tt.code {
			t.Errorf("intent-eval %s (%s): exit %d (err %v), want %d", strings.Join(tt.args, " "), tt.name, got, err, tt.code)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("intent-eval %s (%s): err %v, want it to say %q", strings.Join(tt.args, " "), tt.name, err, tt.want)
		}
	}
}

func TestReaderError(t *testing.T) {
	e := newEnv(t)
	var out, errOut bytes.Buffer
	d := deps{getenv: func(string) string { return "" }, newReader: func([]corpus.Example) (eval.Classifier, error) { return nil, errors.New("no lingua") }}
	err := runWith(d, []string{filepath.Join(e.dir, "dev")}, &out, &errOut)
	if exitCode(err) != 1 || err == nil || !strings.Contains(err.Error(), "no lingua") {
		t.Errorf("intent-eval with a failing reader: %v (exit %d), want exit 1 naming the cause", err, exitCode(err))
	}
}

// TestTrainFolder: -train hands the folder's examples to the reader's
// training; without it the reader trains on the embedded corpus (nil).
func TestTrainFolder(t *testing.T) {
	e := newEnv(t)
	if _, _, err := e.run("-json", filepath.Join(e.dir, "dev")); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(e.dir, "old", "en.jsonl"),
		`{"text":"yep","lang":"en","intent":"confirm"}`+"\n"+`{"text":"nope","lang":"en","intent":"cancel"}`+"\n")
	if _, _, err := e.run("-json", "-train", filepath.Join(e.dir, "old"), filepath.Join(e.dir, "dev")); err != nil {
		t.Fatal(err)
	}
	if len(e.train) != 2 || e.train[0] != nil || len(e.train[1]) != 2 || e.train[1][0].Text != "yep" {
		t.Fatalf("newReader got %v, want nil then the two examples of old/", e.train)
	}
	for _, bad := range []string{filepath.Join(e.dir, "missing"), filepath.Join(e.dir, "empty")} {
		if err := os.MkdirAll(filepath.Join(e.dir, "empty"), 0o755); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.run("-train", bad, filepath.Join(e.dir, "dev"))
		if exitCode(err) != 1 || !strings.Contains(fmt.Sprint(err), "-train") {
			t.Errorf("-train %s: %v (exit %d), want exit 1 naming -train", bad, err, exitCode(err))
		}
	}
	if len(e.train) != 2 {
		t.Errorf("a bad -train folder still built a reader")
	}
}

func TestHelp(t *testing.T) {
	e := newEnv(t)
	_, stderr, err := e.run("-h")
	if err != nil || !strings.Contains(stderr, "usage: intent-eval") {
		t.Errorf("intent-eval -h: %v, stderr %q", err, stderr)
	}
}
