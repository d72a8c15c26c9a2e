package llmfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that keeps Errorf calls instead of failing.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func post(t *testing.T, url, key, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func chat(user string) string {
	b, _ := json.Marshal(map[string]any{
		"model":    "m",
		"messages": []map[string]string{{"role": "system", "content": "classify"}, {"role": "user", "content": user}},
	})
	return string(b)
}

func content(t *testing.T, body []byte) string {
	t.Helper()
	var r struct {
		Object  string `json:"object"`
		Choices []struct {
			Message struct{ Role, Content string } `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Object != "chat.completion" || len(r.Choices) != 1 || r.Choices[0].Message.Role != "assistant" {
		t.Fatalf("response %s is not a chat completion (%v)", body, err)
	}
	return r.Choices[0].Message.Content
}

func TestServerAnswers(t *testing.T) {
	s := New(t, "k")
	resp, body := post(t, s.BaseURL(), "k", chat("hi"))
	if resp.StatusCode != 200 || content(t, body) != DefaultAnswer {
		t.Errorf("default answer = %d %s, want 200 with %s", resp.StatusCode, body, DefaultAnswer)
	}
	s.Answer(func(u string) string { return "echo:" + u })
	if _, body := post(t, s.BaseURL(), "k", chat("later")); content(t, body) != "echo:later" {
		t.Errorf("Answer func not used: %s", body)
	}
	s.Garbage()
	if _, body := post(t, s.BaseURL(), "k", chat("x")); json.Valid([]byte(content(t, body))) {
		t.Errorf("Garbage content is JSON: %s", body)
	}
	s.FailWith(503)
	if resp, body := post(t, s.BaseURL(), "k", chat("x")); resp.StatusCode != 503 || !bytes.Contains(body, []byte(`"error"`)) {
		t.Errorf("FailWith(503) = %d %s, want 503 with an error body", resp.StatusCode, body)
	}
	if resp, _ := post(t, s.BaseURL(), "wrong", chat("x")); resp.StatusCode != 401 {
		t.Errorf("wrong key = %d, want 401", resp.StatusCode)
	}
	if n, reqs := s.Calls(), s.Requests(); n != 5 || len(reqs) != 5 || !strings.Contains(reqs[1], "later") {
		t.Errorf("Calls() = %d, Requests() = %q; want 5 recorded bodies", n, reqs)
	}
}

func TestServerDelay(t *testing.T) {
	s := New(t, "")
	s.Delay(150 * time.Millisecond)
	start := time.Now()
	post(t, s.BaseURL(), "", chat("x"))
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("Delay(150ms) answered in %v", d)
	}
}

func TestForbidPHI(t *testing.T) {
	tests := []struct {
		user string
		want string // kind named in the error; "" for none
	}{
		{"can we do Friday at 3pm? [NAME] [PHONE]", ""},
		{"can we do 12.05.2026 at 10.30-11.45?", ""},
		{"this is Maria", "forbidden string #1"},
		{"this is MARIA", "forbidden string #1"},
		{"call 5558675309", "a run of 7+ digits"},
		{"call (555) 867-5309", "a run of 7+ digits"},
		{"رقمي ٠٥٠١٢٣٤٥٦٧", "a run of 7+ digits"},
		{"mail a@b.co", "an email address"},
		{"mail a\u0040b.co", "an email address"},
	}
	for _, tt := range tests {
		rec := &recorder{TB: t}
		s := New(rec, "")
		s.ForbidPHI("Maria", "  ")
		post(t, s.BaseURL(), "", chat(tt.user))
		got := strings.Join(rec.errs, "; ")
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("request %q: guard said %q, want %q", tt.user, got, tt.want)
		}
		if strings.Contains(got, "Maria") || strings.Contains(got, "5309") {
			t.Errorf("guard error %q names the value", got)
		}
	}
}
