package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	twclient "github.com/twilio/twilio-go/client"
)

// TestLoadgenSignsAndCounts runs the generator against a stand-in gateway
// that checks every signature the way the real one does.
func TestLoadgenSignsAndCounts(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	var puts, texts, bad atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "PUT" && r.Header.Get("Authorization") == "Bearer k":
			puts.Add(1)
			w.Write([]byte("{}"))
		case r.Method == "POST" && r.URL.Path == "/v1/twilio/sms":
			r.ParseForm()
			params := map[string]string{}
			for k, v := range r.PostForm {
				params[k] = v[0]
			}
			v := twclient.NewRequestValidator(token)
			if !v.Validate(srv.URL+"/v1/twilio/sms", params, r.Header.Get("X-Twilio-Signature")) {
				bad.Add(1)
				w.WriteHeader(403)
				return
			}
			texts.Add(1)
			w.Write([]byte("<Response></Response>"))
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	var out strings.Builder
	err := run(context.Background(), []string{"-url", srv.URL, "-token", token, "-key", "k", "-corpus", "../../corpus/dev/en.jsonl", "-patients", "5", "-n", "40", "-c", "4"}, &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if puts.Load() != 10 || texts.Load() != 40 || bad.Load() != 0 {
		t.Errorf("puts %d texts %d bad signatures %d; want 10, 40, 0", puts.Load(), texts.Load(), bad.Load())
	}
	if !strings.Contains(out.String(), "webhook latency p50") {
		t.Errorf("no latency report:\n%s", out.String())
	}
}
