package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/internal/gateway"
	"clinicsms/internal/store"
	"clinicsms/internal/twiliofake"
	"clinicsms/locales"
)

const (
	token  = "0123456789abcdef0123456789abcdef"
	apiKey = "test-key"
	public = "https://sms.clinic.example"
)

// keywordReader is a tiny stand-in for the intent model: the gateway's tests
// are about HTTP, not understanding.
type keywordReader struct{}

func (keywordReader) Read(text, known string) intents.Reading {
	lang := known
	if lang == "" {
		lang = "en"
	}
	if k := intents.Compliance(text); k != intents.KeywordNone {
		l := intents.OptOut
		if k == intents.KeywordHelp {
			l = intents.Help
		}
		return intents.Reading{Lang: lang, Intent: l, Confidence: 1, Sure: true, Keyword: k}
	}
	if strings.Contains(strings.ToLower(text), "yes") {
		return intents.Reading{Lang: lang, Intent: intents.Confirm, Confidence: 0.95, Sure: true}
	}
	return intents.Reading{Lang: lang, Intent: intents.Other, Confidence: 0.9, Sure: true}
}

type recordingSender struct{ n atomic.Int64 }

func (s *recordingSender) Send(context.Context, string, string) (string, error) {
	return fmt.Sprintf("SMout%d", s.n.Add(1)), nil
}

// flakyStore fails AppendMessage while failing is set: a Redis hiccup.
type flakyStore struct {
	*store.Store
	failing atomic.Bool
}

func (f *flakyStore) AppendMessage(ctx context.Context, phone string, m dialogue.Message) error {
	if f.failing.Load() {
		return errors.New("redis: connection reset")
	}
	return f.Store.AppendMessage(ctx, phone, m)
}

type fixture struct {
	t      *testing.T
	srv    *httptest.Server
	st     *flakyStore
	sender *recordingSender
	mr     *miniredis.Miniredis
}

func newFixture(t *testing.T, useMiniredis bool) *fixture {
	t.Helper()
	var rdb *redis.Client
	f := &fixture{t: t, sender: &recordingSender{}}
	if u := os.Getenv("REDIS_URL"); u != "" && !useMiniredis {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		rdb = redis.NewClient(opt)
	} else {
		f.mr = miniredis.RunT(t)
		rdb = redis.NewClient(&redis.Options{Addr: f.mr.Addr()})
	}
	prefix := fmt.Sprintf("gw-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	f.st = &flakyStore{Store: store.New(rdb, prefix)}
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	eng := dialogue.NewEngine(f.st, f.st, f.sender, keywordReader{}, texts, dialogue.Config{Clinic: dialogue.Clinic{Name: "Test Clinic", Phone: "+1 555 0100"}}, nil)
	gw := gateway.New(gateway.Config{PublicBaseURL: public, TwilioAuthToken: token, AdminAPIKey: apiKey}, f.st, eng, nil, nil)
	f.srv = httptest.NewServer(gw.Handler())
	t.Cleanup(f.srv.Close)
	ctx := context.Background()
	if err := f.st.PutPatient(ctx, dialogue.Patient{ID: "p1", Phone: "+15550001111", Name: "Pat Test", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := f.st.PutAppointment(ctx, dialogue.Appointment{ID: "a1", PatientID: "p1", Provider: "Dr. A", Location: "main", Type: "checkup", Start: time.Now().Add(72 * time.Hour), DurationMinutes: 30}); err != nil {
		t.Fatal(err)
	}
	return f
}

// post sends a form to path, signed for PUBLIC_BASE_URL+path unless sig is given.
func (f *fixture) post(path string, form url.Values, sig *string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig == nil {
		req.Header.Set("X-Twilio-Signature", twiliofake.Signature(token, public+path, form))
	} else if *sig != "" {
		req.Header.Set("X-Twilio-Signature", *sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func inbound(sid, from, body string) url.Values {
	return url.Values{"MessageSid": {sid}, "From": {from}, "To": {"+15550009999"}, "Body": {body}}
}

func (f *fixture) messages(phone string) []dialogue.Message {
	f.t.Helper()
	ms, err := f.st.Messages(context.Background(), phone)
	if err != nil {
		f.t.Fatal(err)
	}
	return ms
}

func strp(s string) *string { return &s }

func TestInboundRejectsBadInputAndStoresNothing(t *testing.T) {
	f := newFixture(t, false)
	const phone = "+15550001111"
	signedElsewhere := twiliofake.Signature(token, "http://other.host/v1/twilio/sms", inbound("SM1", phone, "yes"))
	cases := []struct {
		name string
		form url.Values
		sig  *string
		want int
	}{
		{"missing signature", inbound("SM1", phone, "yes"), strp(""), 403},
		{"signature for another URL", inbound("SM1", phone, "yes"), &signedElsewhere, 403},
		{"garbage signature", inbound("SM1", phone, "yes"), strp("bm90IGEgc2lnbmF0dXJl"), 403},
		{"no MessageSid", url.Values{"From": {phone}, "Body": {"yes"}}, nil, 400},
		{"From not E.164", inbound("SM2", "5550001111", "yes"), nil, 400},
		{"From a WhatsApp address", inbound("SM3", "whatsapp:+15550001111", "yes"), nil, 400},
		{"10 kB body", inbound("SM4", phone, strings.Repeat("y", 10_000)), nil, 400},
	}
	for _, tc := range cases {
		if code, body := f.post("/v1/twilio/sms", tc.form, tc.sig); code != tc.want {
			t.Errorf("%s: status %d %s, want %d", tc.name, code, body, tc.want)
		}
	}
	if ms := f.messages(phone); len(ms) != 0 {
		t.Errorf("rejected webhooks stored %d messages", len(ms))
	}
	if n := f.sender.n.Load(); n != 0 {
		t.Errorf("rejected webhooks sent %d texts", n)
	}
	// A body over the request limit is refused before parsing.
	big := inbound("SM5", phone, strings.Repeat("x", 70_000))
	if code, _ := f.post("/v1/twilio/sms", big, nil); code != http.StatusRequestEntityTooLarge {
		t.Errorf("70 kB request: status %d, want 413", code)
	}
}

func TestInboundOddUnicodeIsStoredSafely(t *testing.T) {
	f := newFixture(t, false)
	const phone = "+15550001111"
	body := "yes\u200b\u202e \x00 \xff\xfe 👍🏽 \u0301"
	code, resp := f.post("/v1/twilio/sms", inbound("SModd", phone, body), nil)
	if code != 200 || !strings.Contains(resp, "<Response></Response>") {
		t.Fatalf("odd Unicode: %d %q, want 200 with empty TwiML", code, resp)
	}
	ms := f.messages(phone)
	if len(ms) == 0 || ms[0].Direction != dialogue.In {
		t.Fatalf("odd Unicode message not stored: %+v", ms)
	}
	if strings.Contains(ms[0].Body, "\x00") || !strings.Contains(ms[0].Body, "👍🏽") {
		t.Errorf("stored body %q: want NULs removed and the rest kept", ms[0].Body)
	}
}

// TestInboundStoreFailureAsksTwilioToRetry: a message that cannot be stored
// gets a 5xx (never 200 and lost), and Twilio's retry is then processed.
func TestInboundStoreFailureAsksTwilioToRetry(t *testing.T) {
	f := newFixture(t, false)
	const phone = "+15550001111"
	f.st.failing.Store(true)
	form := inbound("SMretry", phone, "yes")
	if code, _ := f.post("/v1/twilio/sms", form, nil); code/100 != 5 {
		t.Fatalf("store failing: status %d, want 5xx", code)
	}
	f.st.failing.Store(false)
	if code, _ := f.post("/v1/twilio/sms", form, nil); code != 200 {
		t.Fatalf("retry: status %d, want 200", code)
	}
	ms := f.messages(phone)
	if len(ms) != 2 || ms[0].SID != "SMretry" || ms[1].Direction != dialogue.Out {
		t.Fatalf("after retry: %+v, want the inbound and one reply", ms)
	}
	a, err := f.st.Appointment(context.Background(), "a1")
	if err != nil || a.Status != dialogue.Confirmed {
		t.Errorf("after retry: appointment %v %v, want confirmed", a.Status, err)
	}
	// A third delivery of the same sid changes nothing.
	f.post("/v1/twilio/sms", form, nil)
	if got := len(f.messages(phone)); got != 2 {
		t.Errorf("duplicate delivery: %d messages, want 2", got)
	}
}

func TestRedisDownIs5xxAndNotReady(t *testing.T) {
	f := newFixture(t, true)
	f.mr.Close()
	if code, _ := f.post("/v1/twilio/sms", inbound("SMdown", "+15550001111", "yes"), nil); code/100 != 5 {
		t.Errorf("redis down: inbound status %d, want 5xx", code)
	}
	resp, err := http.Get(f.srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz with redis down = %d, want 503", resp.StatusCode)
	}
}

func TestStatusCallbackUpdatesOutboundMessage(t *testing.T) {
	f := newFixture(t, false)
	const phone = "+15550001111"
	if code, _ := f.post("/v1/twilio/sms", inbound("SMin", phone, "yes"), nil); code != 200 {
		t.Fatal("inbound failed")
	}
	ms := f.messages(phone)
	out := ms[len(ms)-1]
	if out.Direction != dialogue.Out || out.SID == "" {
		t.Fatalf("no outbound reply with a sid: %+v", ms)
	}
	if code, body := f.post("/v1/twilio/status", url.Values{"MessageSid": {out.SID}, "MessageStatus": {"delivered"}}, nil); code/100 != 2 {
		t.Fatalf("status callback: %d %s", code, body)
	}
	ms = f.messages(phone)
	if got := ms[len(ms)-1].Status; got != "delivered" {
		t.Errorf("outbound status = %q, want delivered", got)
	}
	if code, _ := f.post("/v1/twilio/status", url.Values{"MessageSid": {"SMnope"}, "MessageStatus": {"delivered"}}, nil); code != 404 {
		t.Errorf("unknown sid status callback = %d, want 404", code)
	}
	if code, _ := f.post("/v1/twilio/status", url.Values{"MessageSid": {out.SID}, "MessageStatus": {"delivered"}}, strp("bad")); code != 403 {
		t.Errorf("unsigned status callback = %d, want 403", code)
	}
}

func TestMetricsAndHealth(t *testing.T) {
	f := newFixture(t, false)
	f.post("/v1/twilio/sms", inbound("SMm", "+15550001111", "yes"), nil)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": `clinicsms_inbound_messages_total{intent="confirm"} 1`} {
		resp, err := http.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, want 200 containing %q", path, resp.StatusCode, want)
		}
	}
}

func TestAPIErrorsAreJSON(t *testing.T) {
	f := newFixture(t, false)
	do := func(method, path, auth, body string) (int, map[string]any) {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	cases := []struct {
		method, path, auth, body string
		want                     int
	}{
		{"GET", "/v1/slots", "", "", 401},
		{"GET", "/v1/slots", "Bearer nope", "", 401},
		{"PUT", "/v1/patients/p2", "Bearer " + apiKey, `{"phone":`, 400},
		{"PUT", "/v1/patients/p2", "Bearer " + apiKey, `{"phone":"+15550002222","name":"A"} {}`, 400},
		{"PUT", "/v1/patients/p2", "Bearer " + apiKey, `[]`, 400},
		{"PUT", "/v1/patients/p2", "Bearer " + apiKey, ``, 400},
		{"PUT", "/v1/patients/p2", "Bearer " + apiKey, `{"phone":"+15550002222","name":"A\u0000B"}`, 400},
		{"GET", "/v1/conversations/15550001111", "Bearer " + apiKey, "", 400},
		{"GET", "/v1/conversations/%2B15559998888", "Bearer " + apiKey, "", 404},
		{"POST", "/v1/appointments/nope/reminders", "Bearer " + apiKey, "", 404},
		{"GET", "/v1/nothing-here", "Bearer " + apiKey, "", 404},
	}
	for _, tc := range cases {
		code, m := do(tc.method, tc.path, tc.auth, tc.body)
		if code != tc.want || m["error"] == nil || m["error"] == "" {
			t.Errorf("%s %s %q = %d %v, want %d with an error", tc.method, tc.path, tc.body, code, m, tc.want)
		}
	}
	if _, err := f.st.Patient(context.Background(), "p2"); !errors.Is(err, dialogue.ErrNotFound) {
		t.Errorf("bad input stored patient p2: %v", err)
	}
	// Clinic-side cancel twice: the second is a conflict and changes nothing.
	if code, _ := do("POST", "/v1/appointments/a1/cancel", "Bearer "+apiKey, ""); code != 200 {
		t.Fatalf("cancel = %d", code)
	}
	if code, _ := do("POST", "/v1/appointments/a1/cancel", "Bearer "+apiKey, ""); code != 409 {
		t.Errorf("second cancel = %d, want 409", code)
	}
	if code, _ := do("POST", "/v1/appointments/a1/reminders", "Bearer "+apiKey, ""); code != 409 {
		t.Errorf("reminder for a cancelled appointment = %d, want 409", code)
	}
}

func TestNoShowRiskList(t *testing.T) {
	f := newFixture(t, false)
	ctx := context.Background()
	now := time.Now().UTC()
	for i, id := range []string{"b1", "b2", "c1", "x1"} {
		if err := f.st.PutAppointment(ctx, dialogue.Appointment{ID: id, PatientID: "p1", Provider: "Dr. A", Location: "main", Type: "checkup", Start: now.Add(time.Duration(24+i) * time.Hour), DurationMinutes: 30}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.st.Confirm(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.st.Cancel(ctx, "x1"); err != nil {
		t.Fatal(err)
	}
	get := func(q string) (int, []string) {
		req, _ := http.NewRequest("GET", f.srv.URL+"/v1/appointments?"+q, nil)
		req.Header.Set("Authorization", "Bearer "+apiKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Appointments []dialogue.Appointment `json:"appointments"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		var ids []string
		for _, a := range body.Appointments {
			ids = append(ids, a.ID)
		}
		return resp.StatusCode, ids
	}
	before := url.QueryEscape(now.Add(48 * time.Hour).Format(time.RFC3339))
	if code, ids := get("status=unconfirmed&before=" + before); code != 200 || strings.Join(ids, ",") != "b1,b2" {
		t.Errorf("unconfirmed = %d %v, want b1,b2 (a1 is 72 h out, c1 confirmed, x1 cancelled)", code, ids)
	}
	if code, ids := get("status=confirmed&before=" + before); code != 200 || strings.Join(ids, ",") != "c1" {
		t.Errorf("confirmed = %d %v, want c1", code, ids)
	}
	for _, bad := range []string{"status=maybe", "before=tomorrow", "after=" + before + "&before=" + url.QueryEscape(now.Format(time.RFC3339))} {
		if code, _ := get(bad); code != 400 {
			t.Errorf("GET /v1/appointments?%s = %d, want 400", bad, code)
		}
	}
}
