package main

// End-to-end tests of the reminder scheduler: appointments created over the
// JSON API whose reminder is already due get exactly one text at the
// Twilio stand-in, across two gateway processes on one Redis, one of them
// killed mid-send and started again; none in quiet hours, none to an
// opted-out number, none for a cancelled visit.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"clinicsms/internal/twiliofake"
)

// etcZone returns the fixed-offset zone whose local hour now is within
// [from, to], as an IANA name (Etc/GMT-9 is UTC+9).
func etcZone(t *testing.T, now time.Time, from, to int) string {
	t.Helper()
	for off := -12; off <= 14; off++ {
		h := (now.UTC().Hour() + off + 24) % 24
		if h < from || h > to {
			continue
		}
		switch {
		case off == 0:
			return "Etc/GMT"
		case off > 0:
			return fmt.Sprintf("Etc/GMT-%d", off)
		default:
			return fmt.Sprintf("Etc/GMT+%d", -off)
		}
	}
	t.Fatalf("no whole-hour zone has local hour %d-%d at %v", from, to, now)
	return ""
}

// twilioProxy stands between one gateway process and the Twilio stand-in.
// It delays each send, and after pass sends (pass >= 0) holds every further
// send until the caller goes away, without forwarding it: a process killed
// while held died mid-send before Twilio accepted anything.
type twilioProxy struct {
	srv   *httptest.Server
	delay time.Duration

	mu     sync.Mutex
	pass   int // -1: no limit
	held   chan struct{}
	isHeld bool
}

func newTwilioProxy(t *testing.T, target string, delay time.Duration, pass int) *twilioProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &twilioProxy{delay: delay, pass: pass, held: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read the body first: only then does the server notice the
		// caller hanging up (and cancel r's context).
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		hold := p.pass == 0
		if p.pass > 0 {
			p.pass--
		}
		if hold && !p.isHeld {
			p.isHeld = true
			close(p.held)
		}
		p.mu.Unlock()
		if hold {
			<-r.Context().Done()
			return
		}
		select {
		case <-time.After(p.delay):
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// startKillable runs the gateway like startGateway, but hands back the
// process so the test can SIGKILL it; it is not expected to exit cleanly.
func startKillable(t *testing.T, env map[string]string) (*gw, *exec.Cmd) {
	t.Helper()
	port := freePort(t)
	g := &gw{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", port), stdout: &syncBuffer{}, stderr: &syncBuffer{}, phones: map[string]bool{}}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	g.run = hex.EncodeToString(b)
	full := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), fmt.Sprintf("PORT=%d", port), "PUBLIC_BASE_URL=" + g.base}
	for k, v := range env {
		full = append(full, k+"="+v)
	}
	cmd := exec.Command(gatewayBin)
	cmd.Env = full
	cmd.Stdout, cmd.Stderr = g.stdout, g.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		g.checkLogsHoldNoPHI()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(g.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return g, cmd
			}
		}
		select {
		case <-exited:
			t.Fatalf("gateway exited early\nstderr:\n%s", g.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready after 60s\nstderr:\n%s", g.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// reminderCase is the scenario's appointments, by phone.
type reminderCase struct {
	due      []string       // phones whose reminder is due now: one text each
	baseline map[string]int // phones that must get nothing more than they had
}

// seedReminders creates, through g's API and webhooks, appointments whose
// reminder is due now (n at start+23h: the 24 h one; n/3 at start+50h: the
// 72 h one) at location "open", plus one each at "quiet", opted out, and
// cancelled.
func seedReminders(t *testing.T, g *gw, tw *twiliofake.Server, n int) reminderCase {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Minute)
	put := func(name string, phoneN int, location string, start time.Time) (aid, phone string) {
		phone = g.phone(phoneN)
		pid, aid := g.id("p-"+name), g.id("a-"+name)
		g.mustAPI("PUT", "/v1/patients/"+pid, map[string]any{"phone": phone, "name": name + " Tester", "language": "en"}, nil)
		g.mustAPI("PUT", "/v1/appointments/"+aid, map[string]any{"patient_id": pid, "provider": g.id("Dr. Rem"), "location": location,
			"type": "checkup", "start": start.Format(time.RFC3339), "duration_minutes": 30}, nil)
		return aid, phone
	}
	rc := reminderCase{baseline: map[string]int{}}

	// Opted out first, then given a due appointment.
	optPhone := g.phone(900)
	g.mustAPI("PUT", "/v1/patients/"+g.id("p-opted"), map[string]any{"phone": optPhone, "name": "Opted Tester", "language": "en"}, nil)
	g.text(optPhone, "STOP")
	if c := g.conv(optPhone); !c.OptedOut {
		t.Fatalf("after STOP: conversation %+v, want opted out", c)
	}
	put("opted", 900, "open", now.Add(23*time.Hour))

	// Cancelled while far off, then moved to a due time: it stays cancelled.
	cancelID, cancelPhone := put("cancelled", 901, "open", now.Add(30*24*time.Hour))
	g.mustAPI("POST", "/v1/appointments/"+cancelID+"/cancel", nil, nil)
	put("cancelled", 901, "open", now.Add(23*time.Hour))
	if a := g.appt(cancelID); a.Status != "cancelled" {
		t.Fatalf("cancelled appointment re-sent: status %q, want cancelled", a.Status)
	}

	// Due now, but it is night at "quiet": deferred.
	_, quietPhone := put("quiet", 902, "quiet", now.Add(23*time.Hour))

	for _, p := range []string{optPhone, cancelPhone, quietPhone} {
		rc.baseline[p] = len(tw.MessagesTo(p))
	}
	for i := 0; i < n; i++ {
		_, phone := put(fmt.Sprintf("due%d", i), 910+i, "open", now.Add(23*time.Hour+time.Duration(i)*time.Minute))
		rc.due = append(rc.due, phone)
	}
	for i := 0; i < n/3; i++ {
		_, phone := put(fmt.Sprintf("early%d", i), 970+i, "open", now.Add(50*time.Hour+time.Duration(i)*time.Minute))
		rc.due = append(rc.due, phone)
	}
	return rc
}

// check waits for every due phone's reminder, lets a few more ticks and a
// lease pass, then asserts one reminder each and nothing for the others.
func (rc reminderCase) check(t *testing.T, g *gw, tw *twiliofake.Server, settle time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_ = tw.WaitFor(ctx, func([]twiliofake.Message) bool {
		for _, p := range rc.due {
			if len(tw.MessagesTo(p)) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(settle) // room for a duplicate to show up
	missing, doubled := 0, 0
	for _, p := range rc.due {
		switch k := len(tw.MessagesTo(p)); {
		case k == 0:
			missing++
			t.Errorf("%s got no reminder", p)
		case k > 1:
			doubled++
			t.Errorf("%s got %d texts, want 1 reminder", p, k)
		}
		if keys := g.conv(p).outKeys(); len(keys) != 1 || keys[0] != "reminder" {
			t.Errorf("%s thread has outbound %v, want [reminder]", p, keys)
		}
	}
	t.Logf("%d appointments due: %d missing, %d doubled", len(rc.due), missing, doubled)
	for p, n := range rc.baseline {
		if k := len(tw.MessagesTo(p)); k != n {
			t.Errorf("%s got %d texts, want %d (no reminder: quiet hours, opted out or cancelled)", p, k, n)
		}
		for _, key := range g.conv(p).outKeys() {
			if key == "reminder" {
				t.Errorf("%s thread has a reminder, want none", p)
			}
		}
	}
}

func reminderEnv(tw string, zones string) map[string]string {
	return map[string]string{
		"TWILIO_ACCOUNT_SID": e2eSID, "TWILIO_AUTH_TOKEN": e2eToken, "TWILIO_FROM_NUMBER": e2eFrom,
		"TWILIO_API_BASE_URL": tw, "ADMIN_API_KEY": e2eKey, "KEYWORD_REPLIES": "service", "LANG_DETECTION": "low",
		"REMINDER_TICK": "200ms", "REMINDER_LEAD_TIMES": "72h,24h", "QUIET_HOURS": "21:00-08:00",
		"LOCATION_TIMEZONES": zones, "DEMO_DATA": "false",
	}
}

// reminderZones maps "open" to a zone where it is early afternoon now and
// "quiet" to one where it is the middle of the night.
func reminderZones(t *testing.T) string {
	now := time.Now()
	return "open=" + etcZone(t, now, 12, 15) + ",quiet=" + etcZone(t, now, 1, 4)
}

// TestRemindersTwoProcessesKillAndRestart: two gateways on one Redis send
// due reminders; one is SIGKILLed while a send of its own is in flight
// (Twilio never got it) and started again. Every appointment gets exactly
// one reminder; the one the dead process held goes out once its lease
// lapses.
func TestRemindersTwoProcessesKillAndRestart(t *testing.T) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is unset: two processes need a shared real Redis (.ci/run sets it)")
	}
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	zones := reminderZones(t)
	prefix := "e2e-rem-" + hex.EncodeToString([]byte(time.Now().Format("150405.000")))
	envFor := func(twilioURL string) map[string]string {
		env := reminderEnv(twilioURL, zones)
		env["REDIS_URL"], env["REDIS_KEY_PREFIX"], env["REMINDER_LEASE"] = redisURL, prefix, "3s"
		return env
	}
	// A passes 3 sends, then hangs on its 4th; B is slowed so A gets work.
	proxyA := newTwilioProxy(t, tw.URL(), 0, 3)
	proxyB := newTwilioProxy(t, tw.URL(), 40*time.Millisecond, -1)
	a, cmdA := startKillable(t, envFor(proxyA.srv.URL))
	b := startGateway(t, envFor(proxyB.srv.URL))
	a.twilio, b.twilio = tw, tw
	b.run = a.run // same ids and phones through either process

	rc := seedReminders(t, b, tw, 30)
	for p := range b.phones {
		a.phones[p] = true
	}
	select {
	case <-proxyA.held:
	case <-time.After(30 * time.Second):
		t.Fatal("process A never sent a fourth reminder")
	}
	if err := cmdA.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill A: %v", err)
	}
	t.Logf("killed A mid-send after %d texts at the stand-in", len(tw.Messages()))
	proxyA2 := newTwilioProxy(t, tw.URL(), 40*time.Millisecond, -1)
	a2 := startGateway(t, envFor(proxyA2.srv.URL))
	a2.twilio, a2.run = tw, a.run
	for p := range b.phones {
		a2.phones[p] = true
	}
	rc.check(t, b, tw, 4*time.Second)
	if !strings.Contains(b.stderr.String()+a2.stderr.String(), "outcome=sent") {
		t.Errorf("neither live process logged a sent reminder")
	}
}

// TestRemindersEmbedded: one process on the embedded store.
func TestRemindersEmbedded(t *testing.T) {
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	g := startGateway(t, reminderEnv(tw.URL(), reminderZones(t)))
	g.twilio = tw
	rc := seedReminders(t, g, tw, 20)
	rc.check(t, g, tw, time.Second)
}
