// Package llmfake is an in-process stand-in for an OpenAI-compatible chat
// completions server (vLLM, llama.cpp, Ollama, OpenAI), for tests. It
// answers POST /v1/chat/completions with OpenAI's response shape, can be
// told to answer slowly, fail with a status or return garbage, records
// every request body, and guards against PHI: after ForbidPHI, a request
// that carries a forbidden string, a run of seven or more digits or an
// email address fails the test.
package llmfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultAnswer is the content returned when no Answer func is set.
const DefaultAnswer = `{"intent":"other","confidence":0.5,"lang":""}`

// Server is a fake chat completions API on a local httptest.Server. It is
// closed when the test ends. All methods are safe for concurrent use.
type Server struct {
	t      testing.TB
	apiKey string
	srv    *httptest.Server

	mu       sync.Mutex
	answer   func(userText string) string
	delay    time.Duration
	status   int
	garbage  bool
	secrets  []string
	guard    bool
	requests []string
}

// New starts a fake server. When apiKey is not empty, every request must
// carry "Authorization: Bearer <apiKey>"; others get OpenAI's 401 answer
// (invalid_api_key), are recorded and counted, and make no t.Errorf: a
// test of a wrong key can assert the client's error.
func New(t testing.TB, apiKey string) *Server {
	t.Helper()
	s := &Server{t: t, apiKey: apiKey}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// BaseURL is the OpenAI-style base URL to configure a client with,
// ending in /v1.
func (s *Server) BaseURL() string { return s.srv.URL + "/v1" }

// Answer sets the content of the assistant message for each request from
// the text of its last user message, and stops any FailWith or Garbage.
func (s *Server) Answer(f func(userText string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer, s.status, s.garbage = f, 0, false
}

// Delay makes every answer wait d (or until the client gives up).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// FailWith makes every request fail with HTTP status and OpenAI's error
// body, until Answer is called. FailWith(0) stops failing.
func (s *Server) FailWith(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = status
}

// Garbage makes every answer's content prose instead of JSON, until
// Answer is called.
func (s *Server) Garbage() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.garbage = true
}

// ForbidPHI turns on the PHI guard: from now on, if any of secrets (case
// insensitive), a run of seven or more digits (in any script, contiguous
// or phone-shaped: "(555) 123-4567") or an email address
// appears anywhere in a request, the test fails with t.Errorf naming the
// kind of PHI (never the value). See Leaks.
func (s *Server) ForbidPHI(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.guard = true
	for _, x := range secrets {
		if x = strings.TrimSpace(x); x != "" {
			s.secrets = append(s.secrets, x)
		}
	}
}

// Requests returns every request body received, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Calls is how many requests reached the server.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.requests)
}

type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "cannot read body")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, string(body))
	n := len(s.requests)
	answer, delay, status, garbage := s.answer, s.delay, s.status, s.garbage
	guard, secrets := s.guard, append([]string(nil), s.secrets...)
	s.mu.Unlock()

	if guard {
		for _, kind := range Leaks(string(body), secrets...) {
			s.t.Errorf("llmfake: request %d leaks PHI to the LLM: %s", n, kind)
		}
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		writeError(w, http.StatusNotFound, "invalid_request_error", "unknown path")
		return
	}
	if s.apiKey != "" && r.Header.Get("Authorization") != "Bearer "+s.apiKey {
		writeError(w, http.StatusUnauthorized, "invalid_request_error", "Incorrect API key provided")
		return
	}
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "body is not JSON")
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if status != 0 {
		writeError(w, status, "server_error", "The server had an error while processing your request")
		return
	}
	user := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			user = m.Content
		}
	}
	content := DefaultAnswer
	switch {
	case garbage:
		content = "Sure! The patient seems to want another time, I think."
	case answer != nil:
		content = answer(user)
	}
	writeCompletion(w, n, req.Model, content)
}

func writeCompletion(w http.ResponseWriter, n int, model, content string) {
	resp := map[string]any{
		"id":      fmt.Sprintf("chatcmpl-fake-%d", n),
		"object":  "chat.completion",
		"created": time.Now().Unix(),
		"model":   model,
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": content},
			"finish_reason": "stop",
		}},
		"usage": map[string]int{"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": map[string]any{"message": msg, "type": typ, "code": nil},
	})
}

var (
	reEmail   = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)
	reRun     = regexp.MustCompile(`\p{Nd}{7,}`)
	rePhoneLk = regexp.MustCompile(`\+?\(?\p{Nd}{2,4}\)?(?:[ .\-]{1,2}\(?\p{Nd}{2,4}\)?){1,5}`)
	reGroup   = regexp.MustCompile(`\p{Nd}+`)
	reDate    = regexp.MustCompile(`^\p{Nd}{1,4}[./\-]\p{Nd}{1,2}[./\-]\p{Nd}{1,4}$`)
)

// digitRun reports a run of seven or more digits, contiguous or written
// as a phone number is (groups of 2-4 digits split by spaces, dots,
// dashes, parentheses). Dates (12.05.2026) and time ranges (10.30-11.45)
// are not runs.
func digitRun(text string) bool {
	if reRun.MatchString(text) {
		return true
	}
	for _, m := range rePhoneLk.FindAllString(text, -1) {
		n, long := 0, false
		for _, g := range reGroup.FindAllString(m, -1) {
			n += len([]rune(g))
			long = long || len([]rune(g)) > 2
		}
		// Pairs only ("10.30-11.45") are a time range below nine digits.
		if n >= 7 && !reDate.MatchString(m) && (long || n >= 9) {
			return true
		}
	}
	return false
}

// Leaks lists the kinds of PHI found in a request body: "forbidden string
// #i" (1-based, in ForbidPHI order), "a run of 7+ digits", "an email
// address". The body is searched both as sent and with its JSON strings
// decoded, so escaping does not hide anything.
func Leaks(body string, secrets ...string) []string {
	text := body + "\n" + decodedStrings(body)
	low := strings.ToLower(text)
	var kinds []string
	for i, x := range secrets {
		if strings.Contains(low, strings.ToLower(x)) {
			kinds = append(kinds, fmt.Sprintf("forbidden string #%d", i+1))
		}
	}
	if digitRun(text) {
		kinds = append(kinds, "a run of 7+ digits")
	}
	if reEmail.MatchString(text) {
		kinds = append(kinds, "an email address")
	}
	return kinds
}

func decodedStrings(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
			b.WriteByte('\n')
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}
