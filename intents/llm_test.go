package intents_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"clinicsms/intents"
	"clinicsms/internal/llmfake"
)

const llmTestKey = "sk-test-key"

func newTestLLM(t *testing.T, srv *llmfake.Server, cfg intents.LLMConfig) *intents.LLM {
	t.Helper()
	cfg.BaseURL = srv.BaseURL()
	cfg.APIKey = llmTestKey
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	l, err := intents.NewLLM(cfg)
	if err != nil {
		t.Fatalf("NewLLM: %v", err)
	}
	return l
}

func fixedAnswer(content string) func(string) string {
	return func(string) string { return content }
}

// unsureReading is what the local reader says of a reply it could not place.
var unsureReading = intents.Reading{Lang: "es", Intent: intents.Confirm, Confidence: 0.41, Source: "model"}

func TestRefineUsesTheModel(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	var seen string
	srv.Answer(func(user string) string {
		seen = user
		return `{"intent":"reschedule","confidence":0.9,"lang":"en"}`
	})
	l := newTestLLM(t, srv, intents.LLMConfig{})

	text := "yes but can it be later on Friday?"
	got, err := l.Refine(context.Background(), text, unsureReading, nil)
	if err != nil {
		t.Fatalf("Refine(%q) error: %v", text, err)
	}
	want := intents.Reading{Lang: "en", Intent: intents.Reschedule, Confidence: 0.9, Sure: true, Source: "llm"}
	if got != want {
		t.Errorf("Refine(%q) = %+v, want %+v", text, got, want)
	}
	if seen != text {
		t.Errorf("model saw %q, want %q", seen, text)
	}

	var req struct {
		Model          string  `json:"model"`
		Temperature    float64 `json:"temperature"`
		ResponseFormat struct {
			Type string `json:"type"`
		} `json:"response_format"`
		Messages []struct{ Role, Content string } `json:"messages"`
	}
	if err := json.Unmarshal([]byte(srv.Requests()[0]), &req); err != nil {
		t.Fatalf("request is not JSON: %v", err)
	}
	if req.Model != "test-model" || req.ResponseFormat.Type != "json_object" || req.Temperature > 1e-6 {
		t.Errorf("request model=%q response_format=%q temperature=%g, want test-model, json_object, ~0", req.Model, req.ResponseFormat.Type, req.Temperature)
	}
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[0].Content != intents.SystemPrompt() || req.Messages[1].Role != "user" {
		t.Errorf("request messages = %+v, want the system prompt then the user text", req.Messages)
	}
	if s := l.Stats(); s.Calls != 1 || s.Failures != 0 || s.Rejected != 0 || s.LastLatency <= 0 || s.Breaker != "closed" {
		t.Errorf("Stats() = %+v, want 1 call, no failures, a latency, closed", s)
	}
}

func TestRefineSureThreshold(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	l := newTestLLM(t, srv, intents.LLMConfig{})
	for _, c := range []struct {
		conf float64
		sure bool
	}{{0.59, false}, {0.6, true}, {0, false}, {1, true}} {
		srv.Answer(fixedAnswer(`{"intent":"cancel","confidence":` + jsonNumber(c.conf) + `,"lang":"es"}`))
		got, err := l.Refine(context.Background(), "no puedo ir, cancélala", unsureReading, nil)
		if err != nil || got.Confidence != c.conf || got.Sure != c.sure {
			t.Errorf("Refine with model confidence %g = %+v, %v; want Confidence %g, Sure %v", c.conf, got, err, c.conf, c.sure)
		}
	}
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	return string(b)
}

func TestRefineLanguage(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	srv.Answer(fixedAnswer(`{"intent":"confirm","confidence":0.8,"lang":"pt"}`))
	l := newTestLLM(t, srv, intents.LLMConfig{})
	tests := []struct {
		text  string
		local intents.Reading
		want  string
	}{
		{"sim, estarei lá amanhã", intents.Reading{Lang: "es", LangSure: false}, "pt"}, // unsureReading local, long text: the model's
		{"sim, estarei lá amanhã", intents.Reading{Lang: "es", LangSure: true}, "es"},  // sure local: kept
		{"ok", intents.Reading{Lang: "es", LangSure: false}, "es"},                     // one word never flips
	}
	for _, tt := range tests {
		got, err := l.Refine(context.Background(), tt.text, tt.local, nil)
		if err != nil || got.Lang != tt.want || got.LangSure != tt.local.LangSure {
			t.Errorf("Refine(%q, LangSure=%v) = Lang %q LangSure %v, %v; want %q", tt.text, tt.local.LangSure, got.Lang, got.LangSure, err, tt.want)
		}
	}
	srv.Answer(fixedAnswer(`{"intent":"confirm","confidence":0.8,"lang":"nl"}`)) // not one of ours
	got, err := l.Refine(context.Background(), "ja ik kom morgen zeker", intents.Reading{Lang: "de"}, nil)
	if err != nil || got.Lang != "de" {
		t.Errorf("Refine with model lang nl = %q, %v; want the local de", got.Lang, err)
	}
}

// TestRefineSendsNoPHI embeds every kind of PHI in the patient's text:
// the fake fails the test if any of it reaches the model.
func TestRefineSendsNoPHI(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	srv.ForbidPHI("Maria", "Garcia", "Guadalupe", "555-867-5309", "maria.g@example.com", "1961", "42 Oak", "Oak Avenue", "88812345", "W123456789")
	srv.Answer(fixedAnswer(`{"intent":"reschedule","confidence":0.8,"lang":"en"}`))
	l := newTestLLM(t, srv, intents.LLMConfig{})
	names := []string{"Maria Guadalupe Garcia"}
	texts := []string{
		"Hi, this is Maria Garcia (DOB 02/07/1961), MRN 88812345. Call me at 555-867-5309 or maria.g@example.com. I moved to 42 Oak Avenue. Can we do Friday instead?",
		"maria garcia here, member id W123456789, born March 2, 1961, text 5558675309 — later in the week?",
		"Soy Guadalupe, fecha de nacimiento 2 de julio de 1961, mi correo maria.g@example.com, ¿el viernes?",
	}
	for _, text := range texts {
		if _, err := l.Refine(context.Background(), text, unsureReading, names); err != nil {
			t.Errorf("Refine error: %v", err)
		}
	}
	reqs := srv.Requests()
	if len(reqs) != len(texts) {
		t.Fatalf("server got %d requests, want %d", len(reqs), len(texts))
	}
	for i, r := range reqs {
		for _, p := range []string{"[NAME]", "[DOB]"} {
			if !strings.Contains(r, p) {
				t.Errorf("request %d has no %s: the redactor did not run", i+1, p)
			}
		}
		if wish := []string{"Friday", "later in the week", "viernes"}[i]; !strings.Contains(r, wish) {
			t.Errorf("request %d lost %q: the appointment wish must survive redaction", i+1, wish)
		}
	}
}

func TestRefineRejectsLooseAnswers(t *testing.T) {
	tests := []struct {
		name, content string
	}{
		{"unknown label", `{"intent":"maybe","confidence":0.9,"lang":"en"}`},
		{"label case", `{"intent":"Confirm","confidence":0.9,"lang":"en"}`},
		{"extra field", `{"intent":"confirm","confidence":0.9,"lang":"en","reason":"said yes"}`},
		{"confidence above 1", `{"intent":"confirm","confidence":1.7,"lang":"en"}`},
		{"confidence below 0", `{"intent":"confirm","confidence":-0.1,"lang":"en"}`},
		{"confidence as string", `{"intent":"confirm","confidence":"0.9","lang":"en"}`},
		{"no confidence", `{"intent":"confirm","lang":"en"}`},
		{"no intent", `{"confidence":0.9,"lang":"en"}`},
		{"prose around", `Sure! {"intent":"confirm","confidence":0.9,"lang":"en"}`},
		{"text after", `{"intent":"confirm","confidence":0.9,"lang":"en"} I think`},
		{"two objects", `{"intent":"confirm","confidence":0.9,"lang":"en"}{"intent":"cancel","confidence":0.9,"lang":"en"}`},
		{"code fence", "```json\n{\"intent\":\"confirm\",\"confidence\":0.9,\"lang\":\"en\"}\n```"},
		{"array", `[{"intent":"confirm","confidence":0.9,"lang":"en"}]`},
		{"empty", ``},
		{"lang not a code", `{"intent":"confirm","confidence":0.9,"lang":"Spanish"}`},
	}
	srv := llmfake.New(t, llmTestKey)
	// A high threshold: these failures are not what is under test here.
	l := newTestLLM(t, srv, intents.LLMConfig{BreakerFailures: 1000})
	for _, tt := range tests {
		srv.Answer(fixedAnswer(tt.content))
		got, err := l.Refine(context.Background(), "yes but later", unsureReading, nil)
		if !errors.Is(err, intents.ErrLLMBadAnswer) || got != unsureReading {
			t.Errorf("%s: Refine with answer %q = %+v, %v; want the local reading and ErrLLMBadAnswer", tt.name, tt.content, got, err)
		}
		if err != nil && strings.Contains(err.Error(), "yes but later") {
			t.Errorf("%s: error %q carries the message text", tt.name, err)
		}
	}
	srv.Garbage()
	if got, err := l.Refine(context.Background(), "yes but later", unsureReading, nil); !errors.Is(err, intents.ErrLLMBadAnswer) || got != unsureReading {
		t.Errorf("Refine with a prose answer = %+v, %v; want the local reading and ErrLLMBadAnswer", got, err)
	}
	if s := l.Stats(); s.Failures != uint64(len(tests)+1) {
		t.Errorf("Stats().Failures = %d, want %d", s.Failures, len(tests)+1)
	}

	accepted := []struct{ content, lang string }{
		{`{"intent":"confirm","confidence":0.9}`, "es"},                    // lang may be left out
		{` {"intent":"confirm","confidence":0.9,"lang":""} ` + "\n", "es"}, // blank around, empty lang
		{`{"intent":"confirm","confidence":0.9,"lang":"zh-Hant"}`, "zh"},   // region dropped
		{`{"lang":"PT","confidence":1,"intent":"confirm"}`, "pt"},          // any key order, any case
		{`{"intent":"confirm","confidence":0.9,"lang":"xx"}`, "es"},        // well-formed, unsupported: ignored
	}
	for _, a := range accepted {
		srv.Answer(fixedAnswer(a.content))
		got, err := l.Refine(context.Background(), "sim, estarei lá amanhã cedo", unsureReading, nil)
		if err != nil || got.Intent != intents.Confirm || got.Lang != a.lang {
			t.Errorf("Refine with answer %q = %+v, %v; want confirm in %q", a.content, got, err, a.lang)
		}
	}
}

func TestRefineTimeout(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	srv.Delay(time.Second)
	l := newTestLLM(t, srv, intents.LLMConfig{Timeout: 100 * time.Millisecond})
	start := time.Now()
	got, err := l.Refine(context.Background(), "later please", unsureReading, nil)
	if !errors.Is(err, intents.ErrLLMTimeout) || got != unsureReading {
		t.Errorf("Refine against a slow server = %+v, %v; want the local reading and ErrLLMTimeout", got, err)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("Refine took %v, want about the 100ms timeout", d)
	}
}

func TestRefineServerErrors(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	l := newTestLLM(t, srv, intents.LLMConfig{BreakerFailures: 1000})
	for _, status := range []int{500, 502, 503, 429} {
		srv.FailWith(status)
		got, err := l.Refine(context.Background(), "later please", unsureReading, nil)
		if !errors.Is(err, intents.ErrLLMUnavailable) || got != unsureReading {
			t.Errorf("Refine against status %d = %+v, %v; want the local reading and ErrLLMUnavailable", status, got, err)
		}
	}

	wrong, err := intents.NewLLM(intents.LLMConfig{BaseURL: srv.BaseURL(), APIKey: "sk-wrong", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	srv.Answer(fixedAnswer(`{"intent":"confirm","confidence":0.9,"lang":"en"}`))
	if _, err := wrong.Refine(context.Background(), "later please", unsureReading, nil); !errors.Is(err, intents.ErrLLMUnavailable) || !strings.Contains(err.Error(), "401") {
		t.Errorf("Refine with a wrong key: %v, want ErrLLMUnavailable with status 401", err)
	}

	down, err := intents.NewLLM(intents.LLMConfig{BaseURL: "http://127.0.0.1:1/v1", Model: "m"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := down.Refine(context.Background(), "later please", unsureReading, nil); !errors.Is(err, intents.ErrLLMUnavailable) {
		t.Errorf("Refine against no server: %v, want ErrLLMUnavailable", err)
	}
}

func TestRefineBreaker(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	srv.FailWith(503)
	const failures = 3
	cooldown := 200 * time.Millisecond
	l := newTestLLM(t, srv, intents.LLMConfig{BreakerFailures: failures, BreakerCooldown: cooldown})
	ctx := context.Background()

	for i := range failures {
		if _, err := l.Refine(ctx, "later please", unsureReading, nil); !errors.Is(err, intents.ErrLLMUnavailable) {
			t.Fatalf("call %d: %v, want ErrLLMUnavailable", i+1, err)
		}
	}
	srv.Answer(fixedAnswer(`{"intent":"reschedule","confidence":0.9,"lang":"en"}`)) // healthy again, but the breaker is open
	for range 5 {
		got, err := l.Refine(ctx, "later please", unsureReading, nil)
		if !errors.Is(err, intents.ErrBreakerOpen) || got != unsureReading {
			t.Fatalf("Refine with the breaker open = %+v, %v; want the local reading and ErrBreakerOpen", got, err)
		}
	}
	if n := srv.Calls(); n != failures {
		t.Errorf("server got %d calls, want %d: an open breaker makes no request", n, failures)
	}
	if s := l.Stats(); s.Calls != failures || s.Failures != failures || s.Rejected != 5 || s.Breaker != "open" {
		t.Errorf("Stats() = %+v, want %d calls, %d failures, 5 rejected, open", s, failures, failures)
	}

	time.Sleep(cooldown + 50*time.Millisecond)
	got, err := l.Refine(ctx, "later please", unsureReading, nil)
	if err != nil || got.Intent != intents.Reschedule {
		t.Fatalf("Refine after the cooldown = %+v, %v; want the model's reading", got, err)
	}
	if s := l.Stats(); s.Breaker != "closed" || srv.Calls() != failures+1 {
		t.Errorf("after a good trial: breaker %q, %d server calls; want closed, %d", s.Breaker, srv.Calls(), failures+1)
	}
}

func TestRefineBreakerCountsBadAnswersAndTimeouts(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	l := newTestLLM(t, srv, intents.LLMConfig{BreakerFailures: 2, BreakerCooldown: time.Hour, Timeout: 50 * time.Millisecond})
	srv.Garbage()
	if _, err := l.Refine(context.Background(), "later", unsureReading, nil); !errors.Is(err, intents.ErrLLMBadAnswer) {
		t.Fatalf("first call: %v, want ErrLLMBadAnswer", err)
	}
	srv.Answer(fixedAnswer(`{"intent":"confirm","confidence":0.9}`))
	srv.Delay(500 * time.Millisecond)
	if _, err := l.Refine(context.Background(), "later", unsureReading, nil); !errors.Is(err, intents.ErrLLMTimeout) {
		t.Fatalf("second call: %v, want ErrLLMTimeout", err)
	}
	if _, err := l.Refine(context.Background(), "later", unsureReading, nil); !errors.Is(err, intents.ErrBreakerOpen) {
		t.Errorf("third call: %v, want ErrBreakerOpen after a bad answer and a timeout", err)
	}
}

func TestRefineCallerCancels(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	l := newTestLLM(t, srv, intents.LLMConfig{BreakerFailures: 1})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := l.Refine(ctx, "later", unsureReading, nil); !errors.Is(err, context.Canceled) || got != unsureReading {
		t.Errorf("Refine(cancelled ctx) = %+v, %v; want the local reading and context.Canceled", got, err)
	}
	if n := srv.Calls(); n != 0 {
		t.Errorf("a cancelled context made %d calls, want 0", n)
	}

	srv.Delay(time.Second)
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := l.Refine(ctx, "later", unsureReading, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("Refine cancelled mid-call: %v, want context.Canceled", err)
	}
	// The caller gave up: the server is not to blame and the breaker
	// (which opens on one failure here) stays closed.
	srv.Delay(0)
	srv.Answer(fixedAnswer(`{"intent":"waitlist","confidence":0.7,"lang":"en"}`))
	if got, err := l.Refine(context.Background(), "anything sooner?", unsureReading, nil); err != nil || got.Intent != intents.Waitlist {
		t.Errorf("Refine after a cancelled call = %+v, %v; want waitlist", got, err)
	}
}

func TestRefineLeavesKeywordsAlone(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	l := newTestLLM(t, srv, intents.LLMConfig{})
	stop := intents.Reading{Lang: "en", Intent: intents.OptOut, Confidence: 1, Sure: true, Keyword: intents.KeywordStop, Source: "keyword"}
	got, err := l.Refine(context.Background(), "STOP", stop, nil)
	if err != nil || got != stop || srv.Calls() != 0 {
		t.Errorf("Refine(STOP keyword) = %+v, %v with %d calls; want it unchanged and no call", got, err, srv.Calls())
	}
}

func TestRefineJSONSchema(t *testing.T) {
	srv := llmfake.New(t, llmTestKey)
	srv.Answer(fixedAnswer(`{"intent":"help","confidence":0.95,"lang":"en"}`))
	l := newTestLLM(t, srv, intents.LLMConfig{JSONSchema: true})
	if got, err := l.Refine(context.Background(), "who is this?", unsureReading, nil); err != nil || got.Intent != intents.Help {
		t.Fatalf("Refine = %+v, %v; want help", got, err)
	}
	var req struct {
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Strict bool `json:"strict"`
				Schema struct {
					Properties struct {
						Intent struct {
							Enum []string `json:"enum"`
						} `json:"intent"`
					} `json:"properties"`
				} `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal([]byte(srv.Requests()[0]), &req); err != nil {
		t.Fatal(err)
	}
	rf := req.ResponseFormat
	if rf.Type != "json_schema" || !rf.JSONSchema.Strict || len(rf.JSONSchema.Schema.Properties.Intent.Enum) != len(intents.Labels) {
		t.Errorf("response_format = %+v, want a strict json_schema with the %d labels", rf, len(intents.Labels))
	}
}

func TestSystemPrompt(t *testing.T) {
	p := intents.SystemPrompt()
	for _, l := range intents.Labels {
		if !strings.Contains(p, "- "+string(l)+": ") || strings.Contains(p, "- "+string(l)+": \n") {
			t.Errorf("SystemPrompt() does not describe label %q", l)
		}
	}
	for _, must := range []string{"STOPALL", "REVOKE", "OPTOUT", "two wishes", "reschedule", `"intent"`, `"confidence"`, `"lang"`, "[NAME]"} {
		if !strings.Contains(p, must) {
			t.Errorf("SystemPrompt() lacks %q", must)
		}
	}
	if leaks := llmfake.Leaks(p); len(leaks) != 0 {
		t.Errorf("SystemPrompt() looks like PHI to the guard: %v", leaks)
	}
}

func TestNewLLMConfig(t *testing.T) {
	for _, cfg := range []intents.LLMConfig{
		{BaseURL: "", Model: "m"},
		{BaseURL: "localhost:8080/v1", Model: "m"},
		{BaseURL: "ftp://host/v1", Model: "m"},
		{BaseURL: "http://host/v1", Model: " "},
	} {
		if _, err := intents.NewLLM(cfg); !errors.Is(err, intents.ErrLLMConfig) {
			t.Errorf("NewLLM(%+v) = %v, want ErrLLMConfig", cfg, err)
		}
	}
	if _, err := intents.NewLLM(intents.LLMConfig{BaseURL: "http://127.0.0.1:11434/v1", Model: "llama3"}); err != nil {
		t.Errorf("NewLLM(ollama-style config) = %v, want no error", err)
	}
}
