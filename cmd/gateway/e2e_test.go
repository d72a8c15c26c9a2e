package main

// End-to-end tests: build the gateway binary, start it as Twilio and an EHR
// integrator would see it, and drive it over HTTP with signed webhooks and
// the JSON API. Outbound texts are checked arriving at a local stand-in of
// Twilio's REST API. Every scenario runs twice: on the embedded store and on
// the real Redis server of REDIS_URL.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"clinicsms/internal/twiliofake"
)

const (
	e2eSID   = "AC00000000000000000000000000000001"
	e2eToken = "0123456789abcdef0123456789abcdef"
	e2eKey   = "e2e-admin-key"
	e2eFrom  = "+15550009999"
)

var gatewayBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gateway-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gatewayBin = filepath.Join(dir, "gateway")
	out, err := exec.Command("go", "build", "-o", gatewayBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build gateway: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gw is one running gateway process.
type gw struct {
	t      *testing.T
	base   string
	twilio *twiliofake.Server
	stdout *syncBuffer
	stderr *syncBuffer
	run    string // unique suffix for this run's ids and phones
	phones map[string]bool
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startGateway runs the binary with env (on top of a minimal environment)
// and waits until it is ready.
func startGateway(t *testing.T, env map[string]string) *gw {
	t.Helper()
	port := freePort(t)
	g := &gw{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), stdout: &syncBuffer{}, stderr: &syncBuffer{}, phones: map[string]bool{}}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	g.run = hex.EncodeToString(b)
	full := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), fmt.Sprintf("PORT=%d", port), "PUBLIC_BASE_URL=" + g.base}
	if _, ok := env["REMINDER_LEAD_TIMES"]; !ok {
		// Scenarios drive reminders through the API; the scheduler (tested
		// on its own) would add texts depending on the time of day.
		full = append(full, "REMINDER_LEAD_TIMES=off")
	}
	for k, v := range env {
		full = append(full, k+"="+v)
	}
	cmd := exec.Command(gatewayBin)
	cmd.Env = full
	cmd.Stdout, cmd.Stderr = g.stdout, g.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var exitErr error
	go func() { exitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// Graceful shutdown on SIGINT must end with exit status 0.
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("gateway did not shut down within 20s of SIGINT")
		}
		if err := exitErr; err != nil {
			t.Errorf("gateway exit: %v\nstderr:\n%s", err, g.stderr.String())
		}
		g.checkLogsHoldNoPHI()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(g.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g
			}
		}
		select {
		case <-done:
			t.Fatalf("gateway exited early: %v\nstderr:\n%s", exitErr, g.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready after 60s\nstderr:\n%s", g.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkLogsHoldNoPHI: phone numbers and message bodies never reach the logs.
func (g *gw) checkLogsHoldNoPHI() {
	logs := g.stderr.String()
	for p := range g.phones {
		if strings.Contains(logs, p) || strings.Contains(logs, p[1:]) {
			g.t.Errorf("logs contain phone number %s", p)
		}
	}
	for _, body := range []string{"припарковаться", "取消", "ahí estaré"} {
		if strings.Contains(logs, body) {
			g.t.Errorf("logs contain message text %q", body)
		}
	}
}

// api calls the JSON API and decodes the answer into out (when non-nil).
func (g *gw) api(method, path string, body any, out any) int {
	g.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, g.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+e2eKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			g.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func (g *gw) mustAPI(method, path string, body any, out any) {
	g.t.Helper()
	var raw json.RawMessage
	code := g.api(method, path, body, &raw)
	if code/100 != 2 {
		g.t.Fatalf("%s %s = %d %s", method, path, code, raw)
	}
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
}

// phone returns a unique E.164 number for this run.
func (g *gw) phone(n int) string {
	var d int
	fmt.Sscanf(g.run[:6], "%x", &d)
	p := fmt.Sprintf("+1555%03d%04d", d%1000, n)
	g.phones[p] = true
	return p
}

func (g *gw) id(s string) string { return s + "-" + g.run }

// sms posts a signed inbound webhook as Twilio would and returns the status.
func (g *gw) sms(from, body, sid string) int {
	g.t.Helper()
	form := url.Values{"MessageSid": {sid}, "AccountSid": {e2eSID}, "From": {from}, "To": {e2eFrom}, "Body": {body}, "NumMedia": {"0"}}
	req, err := twiliofake.SignedRequest(context.Background(), e2eToken, g.base+"/v1/twilio/sms", form)
	if err != nil {
		g.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatalf("post sms: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
			g.t.Errorf("inbound answer Content-Type = %q, want text/xml", ct)
		}
		if !strings.Contains(string(raw), "<Response></Response>") {
			g.t.Errorf("inbound answer = %q, want empty TwiML", raw)
		}
	}
	return resp.StatusCode
}

var sidN struct {
	sync.Mutex
	n int
}

func newSID() string {
	sidN.Lock()
	defer sidN.Unlock()
	sidN.n++
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("SM%s%08d", hex.EncodeToString(b), sidN.n)
}

func (g *gw) text(from, body string) {
	g.t.Helper()
	if code := g.sms(from, body, newSID()); code != 200 {
		g.t.Fatalf("inbound %q from %s = %d, want 200", body, from, code)
	}
}

type message struct {
	Direction  string  `json:"direction"`
	Body       string  `json:"body"`
	Lang       string  `json:"lang"`
	Intent     string  `json:"intent"`
	Confidence float64 `json:"confidence"`
	Key        string  `json:"key"`
	SID        string  `json:"sid"`
	Status     string  `json:"status"`
}

type conversation struct {
	State     string    `json:"state"`
	Language  string    `json:"language"`
	OptedOut  bool      `json:"opted_out"`
	Escalated bool      `json:"escalated"`
	Messages  []message `json:"messages"`
}

func (g *gw) conv(phone string) conversation {
	g.t.Helper()
	var c conversation
	g.mustAPI("GET", "/v1/conversations/"+url.PathEscape(phone), nil, &c)
	return c
}

// lastOut returns the newest outbound message of a conversation.
func (c conversation) lastOut() message {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if c.Messages[i].Direction == "out" {
			return c.Messages[i]
		}
	}
	return message{}
}

func (c conversation) outKeys() []string {
	var ks []string
	for _, m := range c.Messages {
		if m.Direction == "out" {
			ks = append(ks, m.Key)
		}
	}
	return ks
}

type appointment struct {
	ID            string    `json:"id"`
	Status        string    `json:"status"`
	Start         time.Time `json:"start"`
	RescheduledTo string    `json:"rescheduled_to"`
	PatientID     string    `json:"patient_id"`
}

func (g *gw) appt(id string) appointment {
	g.t.Helper()
	var a appointment
	g.mustAPI("GET", "/v1/appointments/"+id, nil, &a)
	return a
}

// seedPatient creates a patient with one appointment days ahead at 10:00 UTC.
func (g *gw) seedPatient(name, lang string, phoneN, days int) (pid, aid, phone string) {
	g.t.Helper()
	return g.seedPatientOf(g.id("Dr. Okafor"), name, lang, phoneN, days)
}

// seedPatientOf is seedPatient with the appointment's provider given.
func (g *gw) seedPatientOf(provider, name, lang string, phoneN, days int) (pid, aid, phone string) {
	g.t.Helper()
	phone = g.phone(phoneN)
	pid, aid = g.id("p-"+name), g.id("a-"+name)
	g.mustAPI("PUT", "/v1/patients/"+pid, map[string]any{"phone": phone, "name": name + " Tester", "language": lang}, nil)
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, days).Add(15 * time.Hour)
	g.mustAPI("PUT", "/v1/appointments/"+aid, map[string]any{"patient_id": pid, "provider": provider, "location": "main",
		"type": "checkup", "start": start.Format(time.RFC3339), "duration_minutes": 30}, nil)
	return pid, aid, phone
}

func (g *gw) waitOut(phone string, n int) []twiliofake.Message {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = g.twilio.WaitFor(ctx, func([]twiliofake.Message) bool { return len(g.twilio.MessagesTo(phone)) >= n })
	ms := g.twilio.MessagesTo(phone)
	if len(ms) < n {
		g.t.Fatalf("Twilio stand-in got %d messages to %s, want %d", len(ms), phone, n)
	}
	return ms
}

func gatewayEnv(tw *twiliofake.Server, extra map[string]string) map[string]string {
	env := map[string]string{
		"TWILIO_ACCOUNT_SID": e2eSID, "TWILIO_AUTH_TOKEN": e2eToken, "TWILIO_FROM_NUMBER": e2eFrom,
		"TWILIO_API_BASE_URL": tw.URL(), "ADMIN_API_KEY": e2eKey, "KEYWORD_REPLIES": "service",
		"LANG_DETECTION": "low",
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// storeMode is one store a scenario runs on.
type storeMode struct {
	name string
	env  map[string]string
}

// storeModes lists the embedded store and, from REDIS_URL, a real Redis
// under a fresh key prefix. A missing REDIS_URL fails the test: CI sets it.
func storeModes(t *testing.T, prefix string) []storeMode {
	t.Helper()
	modes := []storeMode{{"embedded", map[string]string{}}}
	if u := os.Getenv("REDIS_URL"); u != "" {
		modes = append(modes, storeMode{"redis", map[string]string{"REDIS_URL": u, "REDIS_KEY_PREFIX": prefix + hex.EncodeToString([]byte(time.Now().Format("150405.000")))}})
	} else {
		t.Error("REDIS_URL is unset: the real-Redis half of this test cannot run (.ci/run sets it)")
	}
	return modes
}

func TestEndToEnd(t *testing.T) {
	modes := storeModes(t, "e2e-")
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			tw := twiliofake.New(e2eSID, e2eToken)
			defer tw.Close()
			m.env["WAITLIST_BATCH"] = "4"
			g := startGateway(t, gatewayEnv(tw, m.env))
			g.twilio = tw
			t.Run("ConfirmInSpanish", g.confirmInSpanish)
			t.Run("StopThenStart", g.stopThenStart)
			t.Run("BareCancelOptsOut", g.bareCancel)
			t.Run("ChineseCancellation", g.chineseCancel)
			t.Run("RescheduleByPickingTwo", g.rescheduleByPick)
			t.Run("RussianQuestionEscalated", g.russianQuestion)
			t.Run("BadSignature", g.badSignature)
			t.Run("DuplicateMessageSid", g.duplicateSid)
			t.Run("WaitlistRace", g.waitlistRace)
			t.Run("APIValidation", g.apiValidation)
			t.Run("Twilio21610MeansOptedOut", g.twilioOptedOut)
			t.Run("RepliesAcrossScripts", g.repliesAcrossScripts)
			t.Run("SharedPhoneAsksWhich", g.sharedPhone)
			t.Run("RescheduleToANamedDay", g.rescheduleNamed)
			t.Run("NoShowRiskList", g.noShowList)
		})
	}
}

func (g *gw) confirmInSpanish(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("lucia", "es", 1, 3)
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	ms := g.waitOut(phone, 1)
	rem := ms[0]
	if rem.From != e2eFrom || rem.To != phone {
		t.Errorf("reminder From/To = %s/%s, want %s/%s", rem.From, rem.To, e2eFrom, phone)
	}
	if regexp.MustCompile(`\bCANCEL\b`).MatchString(rem.Body) || !strings.Contains(rem.Body, " C ") || !strings.Contains(rem.Body, " X ") {
		t.Errorf("reminder %q must use short codes and never ask for CANCEL", rem.Body)
	}
	g.text(phone, "si, ahí estaré")
	if a := g.appt(aid); a.Status != "confirmed" {
		t.Errorf("appointment status = %q, want confirmed", a.Status)
	}
	g.waitOut(phone, 2)
	c := g.conv(phone)
	if out := c.lastOut(); out.Key != "confirm.done" || out.Lang != "es" {
		t.Errorf("reply = %s [%s], want confirm.done [es]", out.Key, out.Lang)
	}
	in := c.Messages[1]
	if in.Direction != "in" || in.Intent != "confirm" || in.Lang != "es" || in.Confidence <= 0 {
		t.Errorf("inbound record = %+v, want confirm in es with a confidence", in)
	}
}

func (g *gw) stopThenStart(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("sam", "en", 2, 4)
	g.text(phone, "STOP")
	c := g.conv(phone)
	if !c.OptedOut || c.lastOut().Key != "optout.done" {
		t.Fatalf("after STOP: opted_out=%v last reply %q, want true optout.done", c.OptedOut, c.lastOut().Key)
	}
	g.waitOut(phone, 1)
	if code := g.api("POST", "/v1/appointments/"+aid+"/reminders", nil, nil); code != http.StatusConflict {
		t.Errorf("reminder to opted-out number = %d, want 409", code)
	}
	g.text(phone, "are you there?")
	time.Sleep(200 * time.Millisecond)
	if n := len(g.twilio.MessagesTo(phone)); n != 1 {
		t.Errorf("texts to opted-out number = %d, want only the 1 confirmation", n)
	}
	g.text(phone, "start")
	c = g.conv(phone)
	if c.OptedOut || c.lastOut().Key != "optin.done" {
		t.Errorf("after START: opted_out=%v last reply %q, want false optin.done", c.OptedOut, c.lastOut().Key)
	}
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	g.waitOut(phone, 3)
}

func (g *gw) bareCancel(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("ann", "en", 3, 5)
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	g.text(phone, " Cancel. ")
	c := g.conv(phone)
	if !c.OptedOut {
		t.Errorf("bare Cancel: opted_out = false, want true")
	}
	if a := g.appt(aid); a.Status != "booked" {
		t.Errorf("bare Cancel: appointment %s, want still booked", a.Status)
	}
	ms := g.waitOut(phone, 2)
	if last := c.lastOut(); last.Key != "optout.cancel_word" {
		t.Errorf("bare Cancel reply key = %q, want optout.cancel_word", last.Key)
	}
	if body := ms[1].Body; !strings.Contains(body, "+1 555 0100") {
		t.Errorf("bare Cancel reply %q must say how to cancel the visit (clinic phone)", body)
	}
	var tasks struct {
		Tasks []struct {
			AppointmentID string `json:"appointment_id"`
			Kind          string `json:"kind"`
		} `json:"tasks"`
	}
	g.mustAPI("GET", "/v1/tasks", nil, &tasks)
	found := false
	for _, tk := range tasks.Tasks {
		found = found || (tk.AppointmentID == aid && tk.Kind == "cancel_keyword")
	}
	if !found {
		t.Errorf("no cancel_keyword staff task on %s in %+v", aid, tasks.Tasks)
	}
}

func (g *gw) chineseCancel(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("wei", "", 4, 6)
	a0 := g.appt(aid)
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	g.text(phone, "你好，我那天有事，要取消这个预约")
	c := g.conv(phone)
	if c.State == "confirm_cancel" {
		if k := c.lastOut().Key; k != "cancel.ask" {
			t.Fatalf("confirm_cancel state but last reply %q", k)
		}
		g.text(phone, "是的")
	}
	if a := g.appt(aid); a.Status != "cancelled" {
		t.Fatalf("Chinese cancellation: status %q, want cancelled (state %s)", a.Status, g.conv(phone).State)
	}
	c = g.conv(phone)
	if out := c.lastOut(); out.Key != "cancel.done" || out.Lang != "zh" {
		t.Errorf("reply = %s [%s], want cancel.done [zh]", out.Key, out.Lang)
	}
	if c.Language != "zh" {
		t.Errorf("conversation language = %q, want zh", c.Language)
	}
	var slots struct {
		Slots []struct {
			ID    string    `json:"id"`
			Start time.Time `json:"start"`
		} `json:"slots"`
	}
	g.mustAPI("GET", "/v1/slots", nil, &slots)
	freed := false
	for _, s := range slots.Slots {
		freed = freed || s.Start.Equal(a0.Start) && strings.Contains(s.ID, aid)
	}
	if !freed {
		t.Errorf("cancelled appointment's time is not an open slot")
	}
}

func (g *gw) rescheduleByPick(t *testing.T) {
	g.t = t
	prov := g.id("Dr. Raman")
	_, aid, phone := g.seedPatientOf(prov, "raj", "en", 5, 20)
	old := g.appt(aid)
	base := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 8)
	for i := 0; i < 4; i++ {
		g.mustAPI("PUT", "/v1/slots/"+g.id(fmt.Sprintf("s%d", i)), map[string]any{"provider": prov, "location": "main", "type": "checkup",
			"start": base.Add(time.Duration(13+i) * time.Hour).Format(time.RFC3339), "duration_minutes": 30}, nil)
	}
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	g.text(phone, "R")
	c := g.conv(phone)
	if c.State != "choosing_slot" || c.lastOut().Key != "reschedule.offer" {
		t.Fatalf("after R: state %s reply %s, want choosing_slot reschedule.offer", c.State, c.lastOut().Key)
	}
	g.text(phone, "2")
	a := g.appt(aid)
	if a.Status != "rescheduled" || a.RescheduledTo == "" {
		t.Fatalf("old appointment = %+v, want rescheduled with rescheduled_to", a)
	}
	moved := g.appt(a.RescheduledTo)
	if want := base.Add(14 * time.Hour); !moved.Start.Equal(want) || moved.Status != "confirmed" {
		t.Errorf("new appointment = %+v, want confirmed at %v (the 2nd offer)", moved, want)
	}
	var slots struct {
		Slots []struct {
			ID    string    `json:"id"`
			Start time.Time `json:"start"`
		} `json:"slots"`
	}
	g.mustAPI("GET", "/v1/slots", nil, &slots)
	oldFreed := false
	for _, s := range slots.Slots {
		if s.ID == g.id("s1") {
			t.Errorf("booked slot %s still open", s.ID)
		}
		oldFreed = oldFreed || s.Start.Equal(old.Start)
	}
	if !oldFreed {
		t.Errorf("old appointment time %v not freed", old.Start)
	}
	if k := g.conv(phone).lastOut().Key; k != "reschedule.done" {
		t.Errorf("reply = %s, want reschedule.done", k)
	}
}

func (g *gw) russianQuestion(t *testing.T) {
	g.t = t
	_, _, phone := g.seedPatient("ivan", "", 6, 7)
	g.text(phone, "Здравствуйте, где у вас можно припарковаться?")
	c := g.conv(phone)
	if !c.Escalated || c.State != "escalated" {
		t.Fatalf("Russian question: escalated=%v state=%s, want escalated", c.Escalated, c.State)
	}
	if out := c.lastOut(); out.Key != "handoff" || out.Lang != "ru" {
		t.Errorf("reply = %s [%s], want handoff [ru]", out.Key, out.Lang)
	}
	g.text(phone, "ок")
	time.Sleep(100 * time.Millisecond)
	if n := len(g.twilio.MessagesTo(phone)); n != 1 {
		t.Errorf("bot sent %d texts to an escalated chat, want only the 1 handoff", n)
	}
}

func (g *gw) badSignature(t *testing.T) {
	g.t = t
	phone := g.phone(7)
	form := url.Values{"MessageSid": {newSID()}, "From": {phone}, "To": {e2eFrom}, "Body": {"yes"}}
	for name, sig := range map[string]string{"wrong": twiliofake.Signature("not-the-token", g.base+"/v1/twilio/sms", form), "missing": ""} {
		req, _ := http.NewRequest("POST", g.base+"/v1/twilio/sms", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Twilio-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s signature: status %d, want 403", name, resp.StatusCode)
		}
	}
	// A signature for other parameters does not fit this body either.
	tampered := url.Values{"MessageSid": form["MessageSid"], "From": {phone}, "To": {e2eFrom}, "Body": {"no"}}
	req, _ := http.NewRequest("POST", g.base+"/v1/twilio/sms", strings.NewReader(tampered.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twiliofake.Signature(e2eToken, g.base+"/v1/twilio/sms", form))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("tampered body: status %d, want 403", resp.StatusCode)
	}
	if code := g.api("GET", "/v1/conversations/"+url.PathEscape(phone), nil, nil); code != http.StatusNotFound {
		t.Errorf("conversation after rejected webhooks = %d, want 404 (nothing stored)", code)
	}
}

func (g *gw) duplicateSid(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("dora", "en", 8, 9)
	g.mustAPI("POST", "/v1/appointments/"+aid+"/reminders", nil, nil)
	sid := newSID()
	for i := 0; i < 3; i++ {
		if code := g.sms(phone, "yes I'll be there", sid); code != 200 {
			t.Fatalf("delivery %d: status %d", i+1, code)
		}
	}
	c := g.conv(phone)
	in, out := 0, 0
	for _, m := range c.Messages {
		if m.Direction == "in" {
			in++
		} else {
			out++
		}
	}
	if in != 1 || out != 2 {
		t.Errorf("after 3 deliveries of one MessageSid: %d in, %d out; want 1 in, 2 out (reminder + one reply)", in, out)
	}
	if n := len(g.twilio.MessagesTo(phone)); n != 2 {
		t.Errorf("Twilio stand-in got %d texts, want 2", n)
	}
}

func (g *gw) waitlistRace(t *testing.T) {
	g.t = t
	var phones, appts []string
	for i := 0; i < 4; i++ {
		_, aid, phone := g.seedPatient(fmt.Sprintf("wait%d", i), "en", 20+i, 15)
		g.text(phone, "W")
		if k := g.conv(phone).lastOut().Key; k != "waitlist.joined" {
			t.Fatalf("patient %d after W: reply %q, want waitlist.joined", i, k)
		}
		phones, appts = append(phones, phone), append(appts, aid)
	}
	var wl struct {
		Waitlist []struct {
			AppointmentID string `json:"appointment_id"`
		} `json:"waitlist"`
	}
	g.mustAPI("GET", "/v1/waitlist", nil, &wl)
	onList := map[string]bool{}
	for _, w := range wl.Waitlist {
		onList[w.AppointmentID] = true
	}
	for _, a := range appts {
		if !onList[a] {
			t.Errorf("%s not on the waitlist", a)
		}
	}
	// Free an earlier slot: the clinic cancels someone's visit.
	_, early, _ := g.seedPatient("early", "en", 30, 10)
	g.mustAPI("POST", "/v1/appointments/"+early+"/cancel", nil, nil)
	for _, p := range phones {
		if c := g.conv(p); c.State != "waitlist_offer" {
			t.Fatalf("%s state %s, want waitlist_offer", p, c.State)
		}
	}
	moved, claimed, taken := raceYes(t, []*gw{g}, phones, appts)
	if moved != 1 || claimed != 1 || taken != 3 {
		t.Errorf("4 simultaneous YES: %d moved, %d claimed, %d taken; want 1, 1, 3", moved, claimed, taken)
	}
}

// raceYes has every phone answer YES to its waitlist offer at the same
// moment, phone i through gateway gws[i%len(gws)], and counts what came of
// it: appointments moved, and last replies "claimed" and "taken". Every
// appointment not moved must still be booked.
func raceYes(t *testing.T, gws []*gw, phones, appts []string) (moved, claimed, taken int) {
	t.Helper()
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range phones {
		g := gws[i%len(gws)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			g.text(p, "YES")
		}()
	}
	close(start)
	wg.Wait()
	g := gws[0]
	for i, aid := range appts {
		a := g.appt(aid)
		if a.Status == "rescheduled" {
			moved++
		} else if a.Status != "booked" {
			t.Errorf("%s status %s, want booked", aid, a.Status)
		}
		switch g.conv(phones[i]).lastOut().Key {
		case "waitlist.claimed":
			claimed++
		case "waitlist.taken":
			taken++
		}
	}
	return moved, claimed, taken
}

// repliesAcrossScripts: patients with no known language write in eight
// scripts; each is understood and answered in their own language.
func (g *gw) repliesAcrossScripts(t *testing.T) {
	g.t = t
	cases := []struct{ lang, text string }{
		{"es", "sí, ahí estaré sin falta, gracias"}, // Latin
		{"ru", "да, я обязательно приду, спасибо"},  // Cyrillic
		{"ar", "نعم سأحضر في الموعد إن شاء الله"},   // Arabic
		{"hi", "हाँ, मैं समय पर आऊँगा"},             // Devanagari
		{"zh", "好的，我会准时到"},                          // CJK
		{"ko", "네, 그 시간에 갈게요"},                      // Hangul
		{"th", "ค่ะ จะไปตามนัดนะคะ"},                // Thai
		{"he", "כן, אני אגיע בזמן"},                 // Hebrew
	}
	for i, tc := range cases {
		_, aid, phone := g.seedPatient("s"+tc.lang, "", 60+i, 4)
		g.text(phone, tc.text)
		c := g.conv(phone)
		out := c.lastOut()
		if out.Key != "confirm.done" || out.Lang != tc.lang || c.Language != tc.lang {
			t.Errorf("%s %q: reply %s [%s], conversation language %q; want confirm.done [%s]", tc.lang, tc.text, out.Key, out.Lang, c.Language, tc.lang)
		}
		if a := g.appt(aid); a.Status != "confirmed" {
			t.Errorf("%s: appointment %s, want confirmed", tc.lang, a.Status)
		}
		if ms := g.waitOut(phone, 1); ms[0].Body == "" {
			t.Errorf("%s: empty text at the Twilio stand-in", tc.lang)
		}
	}
}

// sharedPhone: a parent and a child on one number, both reminded; a bare
// "C" is ambiguous, so the service asks which visit, then confirms the one picked.
func (g *gw) sharedPhone(t *testing.T) {
	g.t = t
	_, mom, phone := g.seedPatient("mama", "es", 70, 4)
	kid := g.id("p-nino")
	g.mustAPI("PUT", "/v1/patients/"+kid, map[string]any{"phone": phone, "name": "Nino Tester", "language": "es"}, nil)
	kidAppt := g.id("a-nino")
	start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 5).Add(16 * time.Hour)
	g.mustAPI("PUT", "/v1/appointments/"+kidAppt, map[string]any{"patient_id": kid, "provider": g.id("Dr. Okafor"), "location": "main",
		"type": "checkup", "start": start.Format(time.RFC3339), "duration_minutes": 30}, nil)
	g.mustAPI("POST", "/v1/appointments/"+mom+"/reminders", nil, nil)
	g.mustAPI("POST", "/v1/appointments/"+kidAppt+"/reminders", nil, nil)
	g.text(phone, "C")
	c := g.conv(phone)
	if c.State != "choosing_appointment" || c.lastOut().Key != "which_appointment" {
		t.Fatalf("ambiguous C: state %s reply %s, want choosing_appointment which_appointment", c.State, c.lastOut().Key)
	}
	g.text(phone, "2")
	if a := g.appt(kidAppt); a.Status != "confirmed" {
		t.Errorf("picked visit %s, want confirmed", a.Status)
	}
	if a := g.appt(mom); a.Status != "booked" {
		t.Errorf("other visit %s, want still booked", a.Status)
	}
	g.text(phone, "STOP")
	if !g.conv(phone).OptedOut {
		t.Errorf("STOP on a shared phone: not opted out")
	}
}

// rescheduleNamed: "can we do <day> afternoon?" offers only that day's
// afternoon times, in the clinic's time zone.
func (g *gw) rescheduleNamed(t *testing.T) {
	g.t = t
	prov := g.id("Dr. Ng")
	_, aid, phone := g.seedPatientOf(prov, "tess", "en", 71, 20)
	ny, _ := time.LoadLocation("America/New_York")
	day := time.Now().In(ny).AddDate(0, 0, 6)
	at := func(d time.Time, h int) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), h, 0, 0, 0, ny) }
	slots := map[string]time.Time{"morning": at(day, 9), "afternoon": at(day, 15), "nextday": at(day.AddDate(0, 0, 1), 15)}
	for name, st := range slots {
		g.mustAPI("PUT", "/v1/slots/"+g.id("n-"+name), map[string]any{"provider": prov, "location": "main", "type": "checkup",
			"start": st.Format(time.RFC3339), "duration_minutes": 30}, nil)
	}
	g.text(phone, "can we do "+day.Weekday().String()+" afternoon instead?")
	c := g.conv(phone)
	if out := c.lastOut(); out.Key != "reschedule.offer" || strings.Count(out.Body, ")") != 1 {
		t.Fatalf("named day: reply %s %q, want one offer (that afternoon)", out.Key, out.Body)
	}
	g.text(phone, "1")
	a := g.appt(aid)
	if a.Status != "rescheduled" {
		t.Fatalf("status %s, want rescheduled", a.Status)
	}
	if moved := g.appt(a.RescheduledTo); !moved.Start.Equal(slots["afternoon"]) {
		t.Errorf("moved to %v, want %v", moved.Start, slots["afternoon"])
	}
}

// noShowList: booked visits never confirmed are listed for staff to call.
func (g *gw) noShowList(t *testing.T) {
	g.t = t
	prov := g.id("Dr. Risk")
	_, booked, _ := g.seedPatientOf(prov, "risky", "en", 72, 2)
	_, confirmed, phone := g.seedPatientOf(prov, "sure", "en", 73, 2)
	g.text(phone, "C")
	var out struct {
		Appointments []appointment `json:"appointments"`
	}
	before := url.QueryEscape(time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339))
	g.mustAPI("GET", "/v1/appointments?status=unconfirmed&before="+before, nil, &out)
	found := map[string]bool{}
	for _, a := range out.Appointments {
		found[a.ID] = true
	}
	if !found[booked] || found[confirmed] {
		t.Errorf("no-show risk list has booked=%v confirmed=%v; want only the unconfirmed one", found[booked], found[confirmed])
	}
}

// twilioOptedOut: Twilio refusing a send with error 21610 (the number texted
// STOP to Twilio itself) marks the conversation opted out.
func (g *gw) twilioOptedOut(t *testing.T) {
	g.t = t
	_, aid, phone := g.seedPatient("olu", "en", 50, 6)
	g.twilio.OptOut(phone)
	if code := g.api("POST", "/v1/appointments/"+aid+"/reminders", nil, nil); code != http.StatusConflict {
		t.Errorf("reminder refused with 21610 = %d, want 409", code)
	}
	c := g.conv(phone)
	if !c.OptedOut {
		t.Errorf("after 21610: opted_out = false, want true")
	}
	if out := c.lastOut(); out.Key != "reminder" || out.Status != "undelivered_opted_out" {
		t.Errorf("recorded reminder = %+v, want status undelivered_opted_out", out)
	}
}

func (g *gw) apiValidation(t *testing.T) {
	g.t = t
	pid, _, _ := g.seedPatient("val", "en", 40, 5)
	cases := []struct {
		method, path string
		body         any
		want         int
	}{
		{"PUT", "/v1/patients/" + g.id("x"), map[string]any{"phone": "555-1234", "name": "X"}, 400},
		{"PUT", "/v1/patients/" + g.id("x"), map[string]any{"phone": "+15551234567", "name": ""}, 400},
		{"PUT", "/v1/patients/" + g.id("x"), map[string]any{"phone": "+15551234567", "name": "X", "language": "xx"}, 400},
		{"PUT", "/v1/patients/" + g.id("x"), map[string]any{"phone": "+15551234567", "name": "X", "extra": 1}, 400},
		{"PUT", "/v1/appointments/" + g.id("y"), map[string]any{"patient_id": "nobody", "provider": "P", "location": "L", "type": "T", "start": "2030-01-01T10:00:00Z", "duration_minutes": 30}, 400},
		{"PUT", "/v1/appointments/" + g.id("y"), map[string]any{"patient_id": pid, "provider": "P", "location": "L", "type": "T", "start": "tomorrow", "duration_minutes": 30}, 400},
		{"PUT", "/v1/slots/" + g.id("z"), map[string]any{"provider": "P", "location": "L", "type": "T", "start": "2030-01-01T10:00:00Z", "duration_minutes": 0}, 400},
		{"GET", "/v1/appointments/" + g.id("nope"), nil, 404},
		{"POST", "/v1/appointments/" + g.id("nope") + "/cancel", nil, 404},
		{"PUT", "/v1/patients/bad%20id", map[string]any{"phone": "+15551234567", "name": "X"}, 400},
		{"PUT", "/v1/patients/" + g.id("big"), map[string]any{"phone": "+15551234567", "name": strings.Repeat("名", 10000)}, 400},
	}
	for _, tc := range cases {
		var e struct {
			Error string `json:"error"`
		}
		if code := g.api(tc.method, tc.path, tc.body, &e); code != tc.want || e.Error == "" {
			t.Errorf("%s %s = %d %q, want %d with an error message", tc.method, tc.path, code, e.Error, tc.want)
		}
	}
	if code := g.api("GET", "/v1/patients/"+g.id("x"), nil, nil); code != 404 {
		t.Errorf("patient stored after bad input: GET = %d, want 404", code)
	}
	req, _ := http.NewRequest("GET", g.base+"/v1/slots", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong bearer token = %d, want 401", resp.StatusCode)
	}
}

// TestDefaultsNoConfiguration: with no configuration at all the binary
// starts on the embedded store with console SMS and the demo clinic.
func TestDefaultsNoConfiguration(t *testing.T) {
	g := startGateway(t, map[string]string{})
	out := g.stdout.String()
	for _, want := range []string{"EMBEDDED", "ADMIN_API_KEY (generated for this run): ", "demo-appt-1"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(g.stderr.String(), "EMBEDDED IN-PROCESS") {
		t.Errorf("log does not say loudly that the store is embedded")
	}
	i := strings.Index(out, "ADMIN_API_KEY (generated for this run): ")
	key := strings.Fields(out[i+len("ADMIN_API_KEY (generated for this run): "):])[0]
	req, _ := http.NewRequest("POST", g.base+"/v1/appointments/demo-appt-1/reminders", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("demo reminder = %d, want 202", resp.StatusCode)
	}
	if s := g.stdout.String(); !strings.Contains(s, "SMS to +1******0001") {
		t.Errorf("console SMS provider did not print the reminder:\n%s", s)
	}
}
