package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"clinicsms/corpus"
	"clinicsms/eval"
	"clinicsms/intents"
	"clinicsms/internal/llmfake"
)

// unsureReader is sure of "yes" and unsure of everything else.
type unsureReader struct{}

func (unsureReader) Read(text, knownLang string) intents.Reading {
	if text == "yes" || text == "sí" {
		return intents.Reading{Lang: "en", Intent: intents.Confirm, Confidence: 0.95, Sure: true, Source: "model"}
	}
	return intents.Reading{Lang: "en", Intent: intents.Other, Confidence: 0.3, Source: "model"}
}

func TestLLMFlagReadsUnsureTextsWithTheFallback(t *testing.T) {
	e := newEnv(t)
	llm := llmfake.New(t, "k")
	llm.Answer(func(user string) string {
		if strings.Contains(user, "cancel") {
			return `{"intent":"cancel","confidence":0.9}`
		}
		return `{"intent":"other","confidence":0.8}`
	})
	e.env = map[string]string{"LLM_BASE_URL": llm.BaseURL(), "LLM_API_KEY": "k", "LLM_MODEL": "m"}
	var out, errOut strings.Builder
	d := deps{getenv: func(k string) string { return e.env[k] }, newReader: func([]corpus.Example) (eval.Classifier, error) { return unsureReader{}, nil }}
	if err := runWith(d, []string{"-json", "-llm", filepath.Join(e.dir, "dev")}, &out, &errOut); err != nil {
		t.Fatalf("intent-eval -llm: %v (%s)", err, errOut.String())
	}
	var rep eval.Report
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Accuracy != 1 {
		t.Errorf("accuracy with the fallback = %v, want 1 (the LLM reads 'cancel it')", rep.Accuracy)
	}
	if llm.Calls() != 2 { // "cancel it" and "thanks"; the sure "yes"/"sí" never go
		t.Errorf("LLM calls = %d, want 2", llm.Calls())
	}
}
