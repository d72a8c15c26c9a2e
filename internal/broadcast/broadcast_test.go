package broadcast_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/internal/broadcast"
	"clinicsms/internal/store"
	"clinicsms/locales"
)

var templates = broadcast.Message{Templates: map[string]string{
	"en": "The clinic is closed Monday.",
	"es": "La clínica cierra el lunes.",
}}

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", broadcast.MaxTemplateChars+1)
	tests := []struct {
		name string
		f    broadcast.Filter
		m    broadcast.Message
		want string // part of the error; "" = valid
	}{
		{"templates", dayFilter, templates, ""},
		{"key", dayFilter, broadcast.Message{Key: locales.ClinicCancelled}, ""},
		{"only en", dayFilter, broadcast.Message{Templates: map[string]string{"en": "Hi\nthere"}}, ""},
		{"no from", broadcast.Filter{To: base}, templates, "filter.from and filter.to are required"},
		{"to before from", broadcast.Filter{From: base, To: base.Add(-time.Hour)}, templates, "filter.from must be before filter.to"},
		{"range too long", broadcast.Filter{From: base, To: base.Add(91 * 24 * time.Hour)}, templates, "at most 90 days"},
		{"no message", dayFilter, broadcast.Message{}, "templates"},
		{"both", dayFilter, broadcast.Message{Key: locales.Reminder, Templates: templates.Templates}, "either templates or key"},
		{"unknown key", dayFilter, broadcast.Message{Key: "nope"}, `key "nope" is not a message key`},
		{"key needing options", dayFilter, broadcast.Message{Key: locales.RescheduleOffer}, "cannot be broadcast"},
		{"no en", dayFilter, broadcast.Message{Templates: map[string]string{"es": "Hola"}}, `must include "en"`},
		{"unsupported language", dayFilter, broadcast.Message{Templates: map[string]string{"en": "Hi", "xx": "?"}}, `language "xx"`},
		{"empty template", dayFilter, broadcast.Message{Templates: map[string]string{"en": "  "}}, "templates.en is empty"},
		{"too long", dayFilter, broadcast.Message{Templates: map[string]string{"en": long}}, "at most 1600"},
		{"control char", dayFilter, broadcast.Message{Templates: map[string]string{"en": "a\x07b"}}, "control characters"},
		{"bad utf-8", dayFilter, broadcast.Message{Templates: map[string]string{"en": "a\xffb"}}, "UTF-8"},
	}
	for _, tc := range tests {
		err := tc.f.Validate()
		if err == nil {
			err = tc.m.Validate()
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: Validate() = %v, want nil", tc.name, err)
		case tc.want != "" && (err == nil || !errors.Is(err, broadcast.ErrInvalid) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: Validate() = %v, want ErrInvalid containing %q", tc.name, err, tc.want)
		}
	}
}

// TestRecipients: the filter, active appointments only, one text per
// phone (through the patient of the earliest appointment).
func TestRecipients(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seed(t, st, "mom", "+15550000001", "es", "a-mom", 3, nil)
	seed(t, st, "kid", "+15550000001", "es", "a-kid", 1, nil) // same phone, earlier
	seed(t, st, "bob", "+15550000002", "en", "a-bob", 2, nil)
	seed(t, st, "bob2", "+15550000002", "en", "a-bob2", 2, nil) // same phone and time: lower appointment id wins
	seed(t, st, "eve", "+15550000003", "en", "a-eve", 4, func(a *dialogue.Appointment) { a.Location = "north" })
	seed(t, st, "ann", "+15550000004", "en", "a-ann", 5, func(a *dialogue.Appointment) { a.Provider = "dr-kim" })
	seed(t, st, "cat", "+15550000005", "en", "a-cat", 6, nil)
	seed(t, st, "dan", "+15550000006", "en", "a-dan", 30, nil) // next day
	if _, _, err := st.Cancel(ctx, "a-cat"); err != nil {
		t.Fatal(err)
	}
	svc := broadcast.NewService(st)
	tests := []struct {
		name string
		f    broadcast.Filter
		want []string // patient ids
	}{
		{"whole day", dayFilter, []string{"kid", "bob", "eve", "ann"}},
		{"location", broadcast.Filter{Location: "north", From: dayFilter.From, To: dayFilter.To}, []string{"eve"}},
		{"provider", broadcast.Filter{Provider: "dr-lee", From: dayFilter.From, To: dayFilter.To}, []string{"kid", "bob", "eve"}},
		{"range excludes end", broadcast.Filter{From: base.Add(2 * time.Hour), To: base.Add(4 * time.Hour)}, []string{"bob", "mom"}},
		{"two days", broadcast.Filter{From: base, To: base.Add(48 * time.Hour)}, []string{"kid", "bob", "eve", "ann", "dan"}},
		{"nobody", broadcast.Filter{Location: "south", From: base, To: base.Add(time.Hour)}, nil},
	}
	for _, tc := range tests {
		rs, err := svc.Recipients(ctx, tc.f)
		if err != nil {
			t.Errorf("%s: Recipients: %v", tc.name, err)
			continue
		}
		var got []string
		for _, r := range rs {
			got = append(got, r.PatientID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: Recipients(%+v) = %v, want %v", tc.name, tc.f, got, tc.want)
		}
	}
	rs, _ := svc.Recipients(ctx, dayFilter)
	if r := rs[0]; r.Phone != "+15550000001" || r.AppointmentID != "a-kid" || r.Name != "Pat" || r.Provider != "dr-lee" || !r.Start.Equal(base.Add(time.Hour)) {
		t.Errorf("first recipient = %+v, want kid's phone, appointment and details", r)
	}

	b, err := svc.Create(ctx, dayFilter, templates)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !strings.HasPrefix(b.ID, "bc-") || b.Total != 4 {
		t.Errorf("Create = %+v, want an id bc-… with total 4", b)
	}
	got, p, err := svc.Get(ctx, b.ID)
	if err != nil || got.Total != 4 || p.Status() != broadcast.Queued || p.Queued() != 4 {
		t.Errorf("Get(%s) = %+v, %+v, %v; want 4 queued", b.ID, got, p, err)
	}
	if _, err := svc.Create(ctx, dayFilter, broadcast.Message{}); !errors.Is(err, broadcast.ErrInvalid) {
		t.Errorf("Create(no message) err = %v, want ErrInvalid", err)
	}
}

func newWorker(st *store.Store, a broadcast.Announcer, cfg broadcast.Config) *broadcast.Worker {
	if cfg.Rate == 0 {
		cfg.Rate = 10000
	}
	if cfg.Poll == 0 {
		cfg.Poll = 10 * time.Millisecond
	}
	cfg.Clinic = dialogue.Clinic{Name: "Sunrise Clinic", Phone: "+1 555 0100", Zone: time.UTC}
	texts, _ := locales.New()
	return broadcast.NewWorker(st, st, a, texts, cfg, nil)
}

func progress(t *testing.T, st *store.Store, id string) broadcast.Progress {
	t.Helper()
	_, p, err := st.Broadcast(context.Background(), id)
	if err != nil {
		t.Fatalf("Broadcast(%s): %v", id, err)
	}
	return p
}

// TestWorkerSends: each patient in their language (Spanish template, or
// the English one for a language without a template), opted-out skipped,
// provider failures counted, counts adding up, the broadcast retired.
func TestWorkerSends(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seedN(t, st, 6)
	a := newAnnouncer()
	a.langs = map[string]string{"p0": "en", "p1": "es", "p2": "ru", "p3": "es", "p4": "en", "p5": "en"}
	a.optedOut["p3"] = true
	a.failing["p4"] = true
	b, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(st, a, broadcast.Config{Concurrency: 2})
	if worked, err := w.RunOnce(ctx); err != nil || !worked {
		t.Fatalf("RunOnce = %v, %v; want work done", worked, err)
	}
	want := map[string]string{"p0": templates.Templates["en"], "p1": templates.Templates["es"], "p2": templates.Templates["en"], "p5": templates.Templates["en"]}
	got := map[string]string{}
	for _, tx := range a.texts() {
		if _, dup := got[tx.PatientID]; dup {
			t.Errorf("%s texted twice", tx.PatientID)
		}
		got[tx.PatientID] = tx.Body
		if tx.Key != broadcast.ThreadKey(b.ID) {
			t.Errorf("text to %s has key %q, want %q", tx.PatientID, tx.Key, broadcast.ThreadKey(b.ID))
		}
	}
	for pid, body := range want {
		if got[pid] != body {
			t.Errorf("text to %s = %q, want %q", pid, got[pid], body)
		}
	}
	if len(got) != len(want) {
		t.Errorf("texted %v, want exactly %v", got, want)
	}
	p := progress(t, st, b.ID)
	if p.Sent != 4 || p.Skipped != 1 || p.Failed != 1 || p.Queued() != 0 || p.Status() != broadcast.Done || p.Sent+p.Failed+p.Skipped+p.Queued() != p.Total {
		t.Errorf("progress = %+v (%s), want 4 sent, 1 skipped, 1 failed, done", p, p.Status())
	}
	if ids, _ := st.ActiveBroadcasts(ctx); len(ids) != 0 {
		t.Errorf("ActiveBroadcasts() after done = %v, want none", ids)
	}
	if worked, _ := w.RunOnce(ctx); worked {
		t.Errorf("RunOnce with nothing queued reports work")
	}
}

// TestWorkerRendersKey: a message key is rendered in the patient's
// language with the clinic and the appointment's time.
func TestWorkerRendersKey(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seedN(t, st, 2)
	a := newAnnouncer()
	a.langs = map[string]string{"p0": "en", "p1": "es"}
	if _, err := broadcast.NewService(st).Create(ctx, dayFilter, broadcast.Message{Key: locales.ClinicCancelled}); err != nil {
		t.Fatal(err)
	}
	if _, err := newWorker(st, a, broadcast.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	cat, _ := locales.New()
	for _, tx := range a.texts() {
		start := base.Add(time.Duration(map[string]int{"p0": 0, "p1": 1}[tx.PatientID]) * time.Hour)
		want := cat.Text(tx.Lang, locales.ClinicCancelled, map[string]any{"Clinic": "Sunrise Clinic", "When": cat.When(tx.Lang, start)})
		if tx.Body != want || strings.Contains(tx.Body, "no value") {
			t.Errorf("key text to %s [%s] = %q, want %q", tx.PatientID, tx.Lang, tx.Body, want)
		}
	}
	if n := len(a.texts()); n != 2 {
		t.Errorf("sent %d texts, want 2", n)
	}
}

// waitDone runs until the broadcast is done or the deadline passes.
func waitDone(t *testing.T, st *store.Store, id string, within time.Duration) broadcast.Progress {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		p := progress(t, st, id)
		if p.Status() == broadcast.Done {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("broadcast %s not done after %v: %+v", id, within, p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTwoWorkers: two workers (two replicas) on one broadcast of 300
// send to every recipient exactly once between them.
func TestTwoWorkers(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := newStore(t)
	const n = 300
	seedN(t, st, n)
	a := newAnnouncer()
	b, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil || b.Total != n {
		t.Fatalf("Create = %+v, %v; want %d recipients", b, err, n)
	}
	var wg sync.WaitGroup
	for range 2 {
		w := newWorker(st, a, broadcast.Config{Concurrency: 4})
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	p := waitDone(t, st, b.ID, 30*time.Second)
	cancel()
	wg.Wait()
	per := a.perPatient()
	for i := range n {
		if k := per[fmt.Sprintf("p%d", i)]; k != 1 {
			t.Errorf("p%d texted %d times, want 1", i, k)
		}
	}
	if p.Sent != n || p.Claimed != n {
		t.Errorf("progress = %+v, want %d sent", p, n)
	}
}

// TestResume: a worker stopped half way (a restart) leaves the rest to
// the next, which sends it without texting anyone twice.
func TestResume(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	const n = 60
	seedN(t, st, n)
	a := newAnnouncer()
	b, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil {
		t.Fatal(err)
	}
	wctx, stop := context.WithCancel(ctx)
	a.after = func(k int) {
		if k == 25 {
			stop()
		}
	}
	if err := newWorker(st, a, broadcast.Config{Concurrency: 3}).Run(wctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	mid := progress(t, st, b.ID)
	if mid.Status() != broadcast.Sending || mid.Sent < 25 || mid.Sent >= n || mid.Claimed != mid.Settled() {
		t.Errorf("after stopping: %+v (%s), want sending, at least 25 sent, nothing left in flight", mid, mid.Status())
	}
	a.after = nil
	if _, err := newWorker(st, a, broadcast.Config{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	per := a.perPatient()
	for i := range n {
		if k := per[fmt.Sprintf("p%d", i)]; k != 1 {
			t.Errorf("p%d texted %d times, want 1", i, k)
		}
	}
	if p := progress(t, st, b.ID); p.Sent != n || p.Status() != broadcast.Done {
		t.Errorf("after resuming: %+v (%s), want %d sent, done", p, p.Status(), n)
	}
}

// TestCrashedClaimsNotResent: claims of a process that died mid-send are
// settled by the next worker once their lease ends, from what the thread
// shows, and never sent again.
func TestCrashedClaimsNotResent(t *testing.T) {
	ctx := context.Background()
	st := newStore(t)
	seedN(t, st, 4)
	b, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil {
		t.Fatal(err)
	}
	// The dead process claimed the first two; it had recorded the text
	// to one of them.
	now := time.Now()
	var crashed []broadcast.Claim
	for range 2 {
		c, ok, err := st.ClaimRecipient(ctx, b.ID, now.Add(time.Minute))
		if err != nil || !ok {
			t.Fatalf("ClaimRecipient: %v, %v", ok, err)
		}
		crashed = append(crashed, c)
	}
	if err := st.AppendMessage(ctx, crashed[0].Recipient.Phone, dialogue.Message{Direction: dialogue.Out, Body: "x", At: now, Key: broadcast.ThreadKey(b.ID), Status: "sent", SID: "SM1"}); err != nil {
		t.Fatal(err)
	}

	a := newAnnouncer()
	// Before the lease ends the claims are left alone.
	w := newWorker(st, a, broadcast.Config{Now: func() time.Time { return now }})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p := progress(t, st, b.ID); p.Sent != 2 || p.Status() != broadcast.Sending {
		t.Errorf("within the lease: %+v (%s), want the other 2 sent and the claims pending", p, p.Status())
	}
	later := newWorker(st, a, broadcast.Config{Now: func() time.Time { return now.Add(2 * time.Minute) }})
	if _, err := later.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	p := progress(t, st, b.ID)
	if p.Sent != 3 || p.Failed != 1 || p.Status() != broadcast.Done {
		t.Errorf("after the lease: %+v (%s), want 3 sent (one seen on the thread), 1 failed, done", p, p.Status())
	}
	for _, c := range crashed {
		if k := a.perPatient()[c.Recipient.PatientID]; k != 0 {
			t.Errorf("crashed claim %s resent %d times", c.Recipient.PatientID, k)
		}
	}
}

// TestThrottle: two workers sharing one bucket at 20 texts a second send
// about 20 a second together. The bound is loose on purpose; the measured
// rate is in docs/BENCHMARKS.md.
func TestThrottle(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st := newStore(t)
	seedN(t, st, 200)
	a := newAnnouncer()
	b, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil {
		t.Fatal(err)
	}
	const rate = 20.0
	var wg sync.WaitGroup
	for range 2 {
		w := newWorker(st, a, broadcast.Config{Rate: rate, Sender: "+15550009999", Concurrency: 4})
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	time.Sleep(1500 * time.Millisecond)
	cancel()
	wg.Wait()
	ts := a.texts()
	if len(ts) < 2 {
		t.Fatalf("sent %d texts in 1.5s at %v/s", len(ts), rate)
	}
	span := ts[len(ts)-1].At.Sub(ts[0].At).Seconds()
	// n texts spaced 1/rate apart span (n-1)/rate.
	if got := float64(len(ts)-1) / span; got > rate*1.5 || len(ts) > 40 {
		t.Errorf("sent %d texts over %.2fs = %.1f/s, want about %v/s", len(ts), span, got, rate)
	}
	if len(ts) < 10 {
		t.Errorf("sent %d texts in 1.5s, want about 30 at %v/s", len(ts), rate)
	}
	if p := progress(t, st, b.ID); p.Claimed != p.Settled() || p.Sent != len(ts) {
		t.Errorf("after stopping: %+v, want nothing in flight and %d sent", p, len(ts))
	}
}
