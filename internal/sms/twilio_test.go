package sms

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/internal/twiliofake"
)

var (
	_ dialogue.Sender = (*Twilio)(nil)
	_ dialogue.Sender = (*Console)(nil)
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "f00dfeedf00dfeedf00dfeedf00dfeed"
	testMG    = "MG0123456789abcdef0123456789abcdef"
	patient   = "+15559871234"
	text      = "Dr. Rivera confirmed your visit on May 3 at 9:00. Reply C to confirm."
)

func newFake(t *testing.T) *twiliofake.Server {
	t.Helper()
	f := twiliofake.New(testSID, testToken)
	t.Cleanup(f.Close)
	return f
}

func newSender(t *testing.T, cfg TwilioConfig) *Twilio {
	t.Helper()
	s, err := NewTwilio(cfg)
	if err != nil {
		t.Fatalf("NewTwilio: %v", err)
	}
	return s
}

func TestTwilioSendFrom(t *testing.T) {
	fake := newFake(t)
	s := newSender(t, TwilioConfig{
		AccountSID: testSID, AuthToken: testToken, From: "+15550000000",
		APIBaseURL: fake.URL(), StatusCallback: "https://clinic.example/v1/twilio/status",
	})
	sid, err := s.Send(context.Background(), patient, text)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if !regexp.MustCompile(`^SM[0-9a-f]{32}$`).MatchString(sid) {
		t.Errorf("Send: sid %q, want a Twilio message sid", sid)
	}
	got := fake.Messages()
	if len(got) != 1 {
		t.Fatalf("fake got %d messages, want 1", len(got))
	}
	m := got[0]
	if m.SID != sid || m.To != patient || m.Body != text || m.From != "+15550000000" || m.MessagingServiceSID != "" ||
		m.StatusCallback != "https://clinic.example/v1/twilio/status" {
		t.Errorf("fake got %+v", m)
	}
}

func TestTwilioSendMessagingService(t *testing.T) {
	fake := newFake(t)
	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, MessagingServiceSID: testMG, APIBaseURL: fake.URL() + "/"})
	if _, err := s.Send(context.Background(), patient, "¿Confirma su cita? Responda C"); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m := fake.MessagesTo(patient)
	if len(m) != 1 || m[0].MessagingServiceSID != testMG || m[0].From != "" || m[0].Body != "¿Confirma su cita? Responda C" {
		t.Errorf("fake got %+v, want one message via %s", m, testMG)
	}
}

// TestTwilioRequest checks the raw request twilio-go makes through the
// base URL override: path, basic auth and form.
func TestTwilioRequest(t *testing.T) {
	type seen struct {
		method, path, user, pass, ctype string
		form                            map[string]string
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		_ = r.ParseForm()
		f := map[string]string{}
		for k := range r.PostForm {
			f[k] = r.PostForm.Get(k)
		}
		got <- seen{r.Method, r.URL.Path, user, pass, r.Header.Get("Content-Type"), f}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"sid":"SM00000000000000000000000000000001","status":"queued"}`)
	}))
	defer srv.Close()

	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "Clinic", APIBaseURL: srv.URL})
	sid, err := s.Send(context.Background(), patient, text)
	if err != nil || sid != "SM00000000000000000000000000000001" {
		t.Fatalf("Send = %q, %v", sid, err)
	}
	r := <-got
	if r.method != http.MethodPost || r.path != "/2010-04-01/Accounts/"+testSID+"/Messages.json" {
		t.Errorf("request: %s %s", r.method, r.path)
	}
	if r.user != testSID || r.pass != testToken {
		t.Errorf("request: basic auth %q:%q, want the account sid and token", r.user, r.pass)
	}
	if r.ctype != "application/x-www-form-urlencoded" {
		t.Errorf("request: Content-Type %q", r.ctype)
	}
	want := map[string]string{"To": patient, "Body": text, "From": "Clinic"}
	if len(r.form) != len(want) {
		t.Errorf("request: form %v, want %v", r.form, want)
	}
	for k, v := range want {
		if r.form[k] != v {
			t.Errorf("request: form %s = %q, want %q", k, r.form[k], v)
		}
	}
}

func TestTwilioOptedOut(t *testing.T) {
	fake := newFake(t)
	fake.OptOut(patient)
	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15550000000", APIBaseURL: fake.URL()})
	_, err := s.Send(context.Background(), patient, text)
	if !errors.Is(err, dialogue.ErrOptedOut) {
		t.Fatalf("Send to opted-out number = %v, want ErrOptedOut", err)
	}
	noPHI(t, "Send to opted-out number", err)
}

func TestTwilioErrors(t *testing.T) {
	fake := newFake(t)
	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15550000000", APIBaseURL: fake.URL()})

	tests := []struct {
		name      string
		inject    func()
		to        string
		status    int
		code      int
		temporary bool
	}{
		{"server error", func() { fake.FailNext(1, 500) }, patient, 500, twiliofake.CodeInternal, true},
		{"throttled", func() { fake.SetRate(0.001); s.Send(context.Background(), patient, text) }, patient, 429, twiliofake.CodeTooManyRequest, true},
		{"invalid number", func() {}, "5559871234", 400, twiliofake.CodeInvalidTo, false},
	}
	for _, tt := range tests {
		fake.Reset()
		tt.inject()
		_, err := s.Send(context.Background(), tt.to, text)
		var apiErr *APIError
		if !errors.As(err, &apiErr) {
			t.Errorf("Send with %s = %v, want *APIError", tt.name, err)
			continue
		}
		if apiErr.Status != tt.status || apiErr.Code != tt.code || apiErr.Temporary() != tt.temporary {
			t.Errorf("Send with %s: %+v temporary %v, want status %d code %d temporary %v",
				tt.name, apiErr, apiErr.Temporary(), tt.status, tt.code, tt.temporary)
		}
		if errors.Is(err, dialogue.ErrOptedOut) {
			t.Errorf("Send with %s is ErrOptedOut", tt.name)
		}
		noPHI(t, "Send with "+tt.name, err)
		if !strings.Contains(err.Error(), "twilio") {
			t.Errorf("Send with %s: error %q lacks context", tt.name, err)
		}
	}

	bad := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: "wrongtoken", From: "+15550000000", APIBaseURL: fake.URL()})
	_, err := bad.Send(context.Background(), patient, text)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 401 || apiErr.Code != twiliofake.CodeAuthenticate {
		t.Errorf("Send with a wrong token = %v, want 401 / 20003", err)
	}
	noPHI(t, "Send with a wrong token", err)
}

func TestTwilioContext(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15550000000", APIBaseURL: srv.URL})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Send(ctx, patient, text)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Send past the deadline = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send past the deadline took %v", d)
	}
	noPHI(t, "Send past the deadline", err)

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if _, err := s.Send(cancelled, patient, text); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled context = %v, want Canceled", err)
	}
}

func TestTwilioConcurrentSends(t *testing.T) {
	fake := newFake(t)
	s := newSender(t, TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15550000000", APIBaseURL: fake.URL()})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := s.Send(context.Background(), patient, text); err != nil {
				t.Errorf("Send: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(fake.Messages()); n != 20 {
		t.Errorf("fake got %d messages, want 20", n)
	}
}

func noPHI(t *testing.T, call string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, secret := range []string{patient, "5559871234", text, "Rivera", testToken} {
		if strings.Contains(msg, secret) {
			t.Errorf("%s: error %q contains %q", call, msg, secret)
		}
	}
}

func TestTwilioConfigValidate(t *testing.T) {
	ok := TwilioConfig{AccountSID: testSID, AuthToken: testToken, From: "+15550000000"}
	with := func(f func(*TwilioConfig)) TwilioConfig { c := ok; f(&c); return c }
	tests := []struct {
		name    string
		cfg     TwilioConfig
		wantErr string // "" : valid
	}{
		{"from number", ok, ""},
		{"messaging service", with(func(c *TwilioConfig) { c.From = ""; c.MessagingServiceSID = testMG }), ""},
		{"alphanumeric sender", with(func(c *TwilioConfig) { c.From = "City Clinic" }), ""},
		{"short code", with(func(c *TwilioConfig) { c.From = "12345" }), ""},
		{"base URL and callback", with(func(c *TwilioConfig) {
			c.APIBaseURL = "http://127.0.0.1:12345"
			c.StatusCallback = "https://clinic.example/v1/twilio/status"
		}), ""},
		{"no account", with(func(c *TwilioConfig) { c.AccountSID = "" }), "account sid is required"},
		{"API key instead of account", with(func(c *TwilioConfig) { c.AccountSID = "SK0123" }), `account sid must start with "AC"`},
		{"no token", with(func(c *TwilioConfig) { c.AuthToken = "" }), "auth token is required"},
		{"token with symbols", with(func(c *TwilioConfig) { c.AuthToken = "abc$def" }), "auth token must be letters and digits"},
		{"no sender", with(func(c *TwilioConfig) { c.From = "" }), "a sender is required"},
		{"both senders", with(func(c *TwilioConfig) { c.MessagingServiceSID = testMG }), "not both"},
		{"national number", with(func(c *TwilioConfig) { c.From = "5550000000" }), "from must be an E.164"},
		{"sender too long", with(func(c *TwilioConfig) { c.From = "Springfield Clinic" }), "from must be an E.164"},
		{"sender punctuation", with(func(c *TwilioConfig) { c.From = "Clinic!" }), "from must be an E.164"},
		{"bad service sid", with(func(c *TwilioConfig) { c.From = ""; c.MessagingServiceSID = "PN123" }), `messaging service sid must start with "MG"`},
		{"relative base URL", with(func(c *TwilioConfig) { c.APIBaseURL = "127.0.0.1:12345" }), "api base url"},
		{"ftp base URL", with(func(c *TwilioConfig) { c.APIBaseURL = "ftp://example.com" }), "api base url"},
		{"relative callback", with(func(c *TwilioConfig) { c.StatusCallback = "/v1/twilio/status" }), "status callback"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		_, newErr := NewTwilio(tt.cfg)
		switch {
		case tt.wantErr == "" && (err != nil || newErr != nil):
			t.Errorf("%s: Validate() = %v, NewTwilio error %v, want valid", tt.name, err, newErr)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%s: Validate() = %v, want an error containing %q", tt.name, err, tt.wantErr)
		case tt.wantErr != "" && newErr == nil:
			t.Errorf("%s: NewTwilio accepted an invalid config", tt.name)
		}
		if err != nil && strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: Validate() = %q shows the token", tt.name, err)
		}
	}
	// All problems at once.
	err := TwilioConfig{}.Validate()
	for _, want := range []string{"account sid", "auth token", "sender"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("TwilioConfig{}.Validate() = %v, want it to mention %q", err, want)
		}
	}
}
