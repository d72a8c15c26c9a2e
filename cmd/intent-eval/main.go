// Command intent-eval measures the intent reader on labelled JSON Lines
// (SPEC §8):
//
//	go run ./cmd/intent-eval [-json] [-hint] [-llm] [-html report.html] PATH...
//
// PATH is a .jsonl file or a folder of them (for example corpus/dev). By
// default the reader gets no language hint and must detect the language;
// -hint passes the true language as the conversation's known language.
// -train DIR trains the model on DIR's .jsonl files instead of the
// embedded corpus/train (to score a model on replies written after its
// training data: docs/BENCHMARKS.md, "Fresh replies").
// Without -json it prints a table to stdout and progress to stderr; with
// -json, one JSON object. Exit status: 0 done, 1 bad input or failure,
// 2 bad usage (including -llm without LLM_BASE_URL).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"clinicsms/corpus"
	"clinicsms/eval"
	"clinicsms/intents"
)

func main() {
	err := run(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "intent-eval:", err)
	}
	os.Exit(exitCode(err))
}

// run is the whole command over the real reader.
func run(args []string, stdout, stderr io.Writer) error {
	return runWith(deps{getenv: os.Getenv, newReader: defaultReader}, args, stdout, stderr)
}

// deps is what the command takes from the world; tests give fakes so they
// need not build lingua (seconds and hundreds of MB per process).
type deps struct {
	getenv    func(string) string
	newReader func(train []corpus.Example) (eval.Classifier, error) // nil train: the embedded corpus
	clock     func() time.Time                                      // nil: time.Now
}

func defaultReader(train []corpus.Example) (eval.Classifier, error) {
	low := os.Getenv("LANG_DETECTION") != "high" // as the gateway reads
	var r *intents.Reader
	var err error
	if train == nil {
		r, err = intents.Default(low)
	} else {
		r, err = intents.DefaultOn(train, low)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// exitError carries the exit status for an error.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usage(err error) error { return &exitError{code: 2, err: err} }

// exitCode is 0 for nil, the exitError's code, or 1.
func exitCode(err error) int {
	var e *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.code
	default:
		return 1
	}
}

func runWith(d deps, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("intent-eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of a table")
	hint := fs.Bool("hint", false, "pass each example's true language as the known language")
	llm := fs.Bool("llm", false, "read with the LLM fallback (needs LLM_BASE_URL)")
	htmlPath := fs.String("html", "", "also write an HTML report to this file")
	trainDir := fs.String("train", "", "train the model on the .jsonl files of this folder instead of the embedded corpus/train")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: intent-eval [-json] [-hint] [-llm] [-html report.html] [-train DIR] PATH...")
		fmt.Fprintln(fs.Output(), "PATH: .jsonl files or folders of them, one {\"text\",\"lang\",\"intent\"} a line")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usage(err)
	}
	paths := fs.Args()
	if len(paths) == 0 {
		fs.Usage()
		return usage(errors.New("no PATH given"))
	}
	var fallback *intents.LLM
	if *llm {
		if d.getenv("LLM_BASE_URL") == "" {
			return usage(errors.New("LLM fallback not configured: set LLM_BASE_URL (and LLM_API_KEY, LLM_MODEL)"))
		}
		var err error
		fallback, err = intents.NewLLM(intents.LLMConfig{BaseURL: d.getenv("LLM_BASE_URL"), APIKey: d.getenv("LLM_API_KEY"), Model: d.getenv("LLM_MODEL")})
		if err != nil {
			return usage(fmt.Errorf("LLM fallback: %w", err))
		}
	}

	ex, err := load(paths)
	if err != nil {
		return err
	}
	var train []corpus.Example
	if *trainDir != "" {
		if train, err = corpus.Load(*trainDir); err != nil {
			return fmt.Errorf("-train: %w", err)
		}
		if len(train) == 0 {
			return fmt.Errorf("-train: no examples in %s", *trainDir)
		}
	}
	if !*asJSON {
		fmt.Fprintf(stderr, "%d examples from %s; building the reader...\n", len(ex), strings.Join(paths, " "))
	}
	reader, err := d.newReader(train)
	if err != nil {
		return fmt.Errorf("build reader: %w", err)
	}
	if fallback != nil {
		reader = withFallback{local: reader, llm: fallback}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	opts := eval.Options{Hint: *hint, Clock: d.clock}
	if !*asJSON {
		opts.Progress = stderr
	}
	rep := eval.Run(ctx, reader, ex, opts)
	if rep.N < len(ex) {
		fmt.Fprintf(stderr, "interrupted: the report covers %d of %d examples\n", rep.N, len(ex))
	}

	if *htmlPath != "" {
		if err := writeHTML(*htmlPath, rep); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteTable(stdout)
}

// load reads the examples and checks every intent is a known label, so a
// typo in the data fails loudly instead of becoming a class of its own.
func load(paths []string) ([]corpus.Example, error) {
	ex, err := corpus.Load(paths...)
	if err != nil {
		return nil, fmt.Errorf("load examples: %w", err)
	}
	if len(ex) == 0 {
		return nil, fmt.Errorf("no examples in %s (want .jsonl files)", strings.Join(paths, " "))
	}
	for i, e := range ex {
		if !intents.Label(e.Intent).Valid() {
			return nil, fmt.Errorf("example %d (%q, lang %s): unknown intent %q; want one of %v", i+1, e.Text, e.Lang, e.Intent, intents.Labels)
		}
	}
	return ex, nil
}

func writeHTML(path string, rep eval.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	if err := rep.WriteHTML(f); err != nil {
		f.Close()
		return fmt.Errorf("html report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// withFallback reads like the service does with LLM_BASE_URL set: the LLM
// re-reads what the local model is unsure of (its latency counts too).
type withFallback struct {
	local eval.Classifier
	llm   *intents.LLM
}

func (w withFallback) Read(text, knownLang string) intents.Reading {
	r := w.local.Read(text, knownLang)
	if r.Sure || r.Source != "model" {
		return r
	}
	if r2, err := w.llm.Refine(context.Background(), text, r, nil); err == nil {
		return r2
	}
	return r
}
