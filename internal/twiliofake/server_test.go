package twiliofake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "0123456789abcdef0123456789abcdef"
	testMG    = "MG0123456789abcdef0123456789abcdef"
)

// post sends form to the fake's Messages resource with the given basic
// auth (none when user is "") and decodes the JSON answer.
func post(t *testing.T, s *Server, account, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	u := s.URL() + "/2010-04-01/Accounts/" + account + "/Messages.json"
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("POST %s: Content-Type = %q, want application/json", u, ct)
	}
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("POST %s: decode answer: %v", u, err)
	}
	return resp.StatusCode, body
}

func send(t *testing.T, s *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	return post(t, s, testSID, testSID, testToken, form)
}

func sms(to, body string) url.Values {
	return url.Values{"To": {to}, "From": {"+15550000000"}, "Body": {body}}
}

// wantError checks Twilio's error shape.
func wantError(t *testing.T, call string, status int, body map[string]any, wantStatus, wantCode int) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: status %d, want %d", call, status, wantStatus)
	}
	if code, _ := body["code"].(float64); int(code) != wantCode {
		t.Errorf("%s: code %v, want %d (body %v)", call, body["code"], wantCode, body)
	}
	if st, _ := body["status"].(float64); int(st) != wantStatus {
		t.Errorf("%s: body status %v, want %d", call, body["status"], wantStatus)
	}
	if mi, _ := body["more_info"].(string); !strings.HasPrefix(mi, "https://www.twilio.com/docs/errors/") {
		t.Errorf("%s: more_info %q, want a Twilio docs link", call, mi)
	}
	if m, _ := body["message"].(string); m == "" {
		t.Errorf("%s: empty message", call)
	}
}

var sidRe = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func TestCreateMessage(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()

	form := sms("+15551234567", "Your visit is tomorrow at 9:00")
	form.Set("StatusCallback", "http://example.test/v1/twilio/status")
	status, body := send(t, s, form)
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, want 201 (body %v)", status, body)
	}
	want := map[string]any{
		"to": "+15551234567", "from": "+15550000000", "body": "Your visit is tomorrow at 9:00",
		"account_sid": testSID, "status": "queued", "num_segments": "1", "direction": "outbound-api",
		"api_version": "2010-04-01", "messaging_service_sid": nil, "error_code": nil,
	}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("create: %s = %#v, want %#v", k, body[k], v)
		}
	}
	sid, _ := body["sid"].(string)
	if !sidRe.MatchString(sid) {
		t.Errorf("create: sid %q, want SM and 32 hex digits", sid)
	}
	if _, err := time.Parse(time.RFC1123Z, body["date_created"].(string)); err != nil {
		t.Errorf("create: date_created %q is not RFC 1123: %v", body["date_created"], err)
	}
	if uri, _ := body["uri"].(string); uri != "/2010-04-01/Accounts/"+testSID+"/Messages/"+sid+".json" {
		t.Errorf("create: uri %q", uri)
	}

	got := s.Messages()
	if len(got) != 1 {
		t.Fatalf("Messages() has %d, want 1", len(got))
	}
	m := got[0]
	if m.SID != sid || m.To != "+15551234567" || m.From != "+15550000000" || m.Body != "Your visit is tomorrow at 9:00" ||
		m.StatusCallback != "http://example.test/v1/twilio/status" || m.MessagingServiceSID != "" || m.At.IsZero() {
		t.Errorf("Messages()[0] = %+v", m)
	}
}

func TestCreateMessageWithMessagingService(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	status, body := send(t, s, url.Values{"To": {"+15551234567"}, "MessagingServiceSid": {testMG}, "Body": {"hi"}})
	if status != http.StatusCreated {
		t.Fatalf("create: status %d, want 201 (body %v)", status, body)
	}
	if body["status"] != "accepted" || body["from"] != nil || body["messaging_service_sid"] != testMG {
		t.Errorf("create via messaging service: status %v from %v service %v, want accepted, null, %s",
			body["status"], body["from"], body["messaging_service_sid"], testMG)
	}
	if m := s.Messages(); len(m) != 1 || m[0].MessagingServiceSID != testMG {
		t.Errorf("Messages() = %+v, want one with the service sid", m)
	}
}

func TestAuthentication(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	tests := []struct {
		name, user, pass string
	}{
		{"no credentials", "", ""},
		{"wrong token", testSID, "nope"},
		{"wrong account", "AC00000000000000000000000000000000", testToken},
	}
	for _, tt := range tests {
		status, body := post(t, s, testSID, tt.user, tt.pass, sms("+15551234567", "x"))
		wantError(t, "create with "+tt.name, status, body, http.StatusUnauthorized, CodeAuthenticate)
		if body["message"] != "Authenticate" {
			t.Errorf("create with %s: message %v, want Authenticate", tt.name, body["message"])
		}
	}
	status, body := post(t, s, "AC00000000000000000000000000000000", testSID, testToken, sms("+15551234567", "x"))
	wantError(t, "create under another account's path", status, body, http.StatusNotFound, CodeNotFound)
	if n := len(s.Messages()); n != 0 {
		t.Errorf("refused requests recorded %d messages", n)
	}
}

func TestValidation(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	tests := []struct {
		name string
		form url.Values
		code int
	}{
		{"no To", url.Values{"From": {"+15550000000"}, "Body": {"x"}}, CodeToRequired},
		{"To not E.164", sms("5551234567", "x"), CodeInvalidTo},
		{"To with letters", sms("+1555CALLNOW", "x"), CodeInvalidTo},
		{"no sender", url.Values{"To": {"+15551234567"}, "Body": {"x"}}, CodeFromRequired},
		{"bad From", url.Values{"To": {"+15551234567"}, "From": {"not a number!"}, "Body": {"x"}}, CodeInvalidFrom},
		{"bad service sid", url.Values{"To": {"+15551234567"}, "MessagingServiceSid": {"XX1"}, "Body": {"x"}}, 21701},
		{"no Body", url.Values{"To": {"+15551234567"}, "From": {"+15550000000"}}, CodeBodyRequired},
	}
	for _, tt := range tests {
		status, body := send(t, s, tt.form)
		wantError(t, "create with "+tt.name, status, body, http.StatusBadRequest, tt.code)
	}
	for _, from := range []string{"+442071234567", "12345", "Clinic", "City Clinic"} {
		status, body := send(t, s, url.Values{"To": {"+15551234567"}, "From": {from}, "Body": {"x"}})
		if status != http.StatusCreated {
			t.Errorf("create From %q: status %d (body %v), want 201", from, status, body)
		}
	}
}

func TestOptOut(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	s.OptOut("+15551234567")
	status, body := send(t, s, sms("+15551234567", "reminder"))
	wantError(t, "send to opted-out number", status, body, http.StatusBadRequest, CodeUnsubscribed)
	if body["message"] != "Attempt to send to unsubscribed recipient" {
		t.Errorf("send to opted-out number: message %v", body["message"])
	}
	if status, _ := send(t, s, sms("+15557654321", "reminder")); status != http.StatusCreated {
		t.Errorf("send to another number: status %d, want 201", status)
	}
	if got := s.MessagesTo("+15551234567"); len(got) != 0 {
		t.Errorf("MessagesTo(opted out) = %+v, want none", got)
	}
	if got := s.MessagesTo("+15557654321"); len(got) != 1 {
		t.Errorf("MessagesTo(other) has %d, want 1", len(got))
	}
}

func TestFailNext(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	s.FailNext(2, http.StatusInternalServerError)
	for i := range 2 {
		status, body := send(t, s, sms("+15551234567", "x"))
		wantError(t, "send "+string(rune('1'+i)), status, body, http.StatusInternalServerError, CodeInternal)
	}
	if status, _ := send(t, s, sms("+15551234567", "x")); status != http.StatusCreated {
		t.Errorf("send after the failures: status %d, want 201", status)
	}
	s.FailNext(1, http.StatusServiceUnavailable)
	status, body := send(t, s, sms("+15551234567", "x"))
	wantError(t, "send with 503 injected", status, body, http.StatusServiceUnavailable, CodeInternal)
	if n := len(s.Messages()); n != 1 {
		t.Errorf("Messages() has %d, want 1", n)
	}
}

func TestSetRate(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	s.SetRate(2)
	for i := range 2 {
		if status, body := send(t, s, sms("+15551234567", "x")); status != http.StatusCreated {
			t.Fatalf("send %d within the rate: status %d (body %v)", i+1, status, body)
		}
	}
	status, body := send(t, s, sms("+15551234567", "x"))
	wantError(t, "send over the rate", status, body, http.StatusTooManyRequests, CodeTooManyRequest)
	if got := s.Throttled(); got != 1 {
		t.Errorf("Throttled() = %d, want 1", got)
	}
	time.Sleep(600 * time.Millisecond) // refills one token at 2/s
	if status, body := send(t, s, sms("+15551234567", "x")); status != http.StatusCreated {
		t.Errorf("send after refill: status %d (body %v), want 201", status, body)
	}
	s.SetRate(0)
	for i := range 5 {
		if status, _ := send(t, s, sms("+15551234567", "x")); status != http.StatusCreated {
			t.Errorf("send %d with the rate off: status %d, want 201", i+1, status)
		}
	}
}

func TestWaitFor(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	go func() {
		time.Sleep(50 * time.Millisecond)
		for range 3 {
			send(t, s, sms("+15551234567", "x"))
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.WaitFor(ctx, func(m []Message) bool { return len(m) == 3 })
	if err != nil {
		t.Fatalf("WaitFor(3 messages) = %v", err)
	}

	short, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	err = s.WaitFor(short, func(m []Message) bool { return len(m) == 4 })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor(never) = %v, want DeadlineExceeded", err)
	}
}

func TestReset(t *testing.T) {
	s := New(testSID, testToken)
	defer s.Close()
	send(t, s, sms("+15551234567", "x"))
	s.OptOut("+15557654321")
	s.FailNext(5, 500)
	s.SetRate(0.001)
	s.Reset()
	if n := len(s.Messages()); n != 0 {
		t.Errorf("after Reset, Messages() has %d", n)
	}
	for i := range 3 {
		if status, body := send(t, s, sms("+15557654321", "x")); status != http.StatusCreated {
			t.Errorf("send %d after Reset: status %d (body %v), want 201", i+1, status, body)
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{"", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1}, // extension table: two units each
		{strings.Repeat("€", 81), 2},
		{strings.Repeat("é", 160), 1}, // in GSM-7's basic table
		{strings.Repeat("я", 70), 1},
		{strings.Repeat("я", 71), 2},
		{strings.Repeat("👍", 35), 1}, // two UTF-16 units each
		{strings.Repeat("👍", 36), 2},
	}
	for _, tt := range tests {
		if got := Segments(tt.body); got != tt.want {
			t.Errorf("Segments(%d×%q) = %d, want %d", len([]rune(tt.body)), firstRune(tt.body), got, tt.want)
		}
	}
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}
