package reminders_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/internal/reminders"
	"clinicsms/internal/store"
)

// redisEnv is one Redis for a test: REDIS_URL when set (CI), else a
// miniredis. Every client it opens sees the same data, like several
// gateway processes would.
type redisEnv struct {
	t      *testing.T
	url    string
	mr     *miniredis.Miniredis
	prefix string
}

func newRedisEnv(t *testing.T) *redisEnv {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	e := &redisEnv{t: t, url: os.Getenv("REDIS_URL"), prefix: "rt-" + hex.EncodeToString(b)}
	if e.url == "" {
		e.mr = miniredis.RunT(t)
	}
	t.Cleanup(func() {
		rdb := e.client()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, e.prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return e
}

// client opens a new connection pool, as a new process would.
func (e *redisEnv) client() redis.UniversalClient {
	e.t.Helper()
	var rdb *redis.Client
	if e.url != "" {
		opt, err := redis.ParseURL(e.url)
		if err != nil {
			e.t.Fatalf("redis.ParseURL(REDIS_URL): %v", err)
		}
		rdb = redis.NewClient(opt)
	} else {
		rdb = redis.NewClient(&redis.Options{Addr: e.mr.Addr()})
	}
	e.t.Cleanup(func() { rdb.Close() })
	return rdb
}

func (e *redisEnv) store() *store.Store { return store.New(e.client(), e.prefix) }

// elapse lets d pass for key expiry (leases).
func (e *redisEnv) elapse(d time.Duration) {
	if e.mr != nil {
		e.mr.FastForward(d)
		return
	}
	time.Sleep(d)
}

// recorder is the Sender: it checks the appointment like the engine does
// and counts the reminders that "reached the provider".
type recorder struct {
	st *store.Store

	mu       sync.Mutex
	sent     map[string]int  // appointment id → texts accepted
	tries    map[string]int  // appointment id → SendReminder calls
	optedOut map[string]bool // patient ids
	failures map[string]int  // appointment id → provider failures still to come
	busy     map[string]int  // appointment id → busy conversation locks still to come
	cancelOn map[string]bool // appointment ids cancelled just before the send
	block    map[string]chan struct{}
	onSend   func(n int) // called after each accepted text with the total
	total    int
}

func newRecorder(st *store.Store) *recorder {
	return &recorder{st: st, sent: map[string]int{}, tries: map[string]int{}, optedOut: map[string]bool{},
		failures: map[string]int{}, busy: map[string]int{}, cancelOn: map[string]bool{}, block: map[string]chan struct{}{}}
}

func (r *recorder) SendReminder(ctx context.Context, apptID string) (dialogue.Sent, error) {
	r.mu.Lock()
	r.tries[apptID]++
	block, cancel := r.block[apptID], r.cancelOn[apptID]
	r.mu.Unlock()
	if block != nil {
		<-block // a process that hangs (or died) before the provider answered
		return dialogue.Sent{}, fmt.Errorf("%w: process died", dialogue.ErrSendFailed)
	}
	r.mu.Lock()
	if r.busy[apptID] > 0 {
		r.busy[apptID]--
		r.mu.Unlock()
		return dialogue.Sent{}, errors.New("lock conversation: conversation lock wait timed out")
	}
	r.mu.Unlock()
	if cancel {
		if _, _, err := r.st.Cancel(ctx, apptID); err != nil {
			return dialogue.Sent{}, err
		}
	}
	a, err := r.st.Appointment(ctx, apptID)
	if err != nil {
		return dialogue.Sent{}, err
	}
	if !a.Active() {
		return dialogue.Sent{}, fmt.Errorf("appointment is %s: %w", a.Status, dialogue.ErrNothingToSend)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.optedOut[a.PatientID] {
		return dialogue.Sent{}, dialogue.ErrOptedOut
	}
	if r.failures[apptID] > 0 {
		r.failures[apptID]--
		return dialogue.Sent{Key: "reminder"}, fmt.Errorf("%w: twilio 500", dialogue.ErrSendFailed)
	}
	r.sent[apptID]++
	r.total++
	if r.onSend != nil {
		r.onSend(r.total)
	}
	return dialogue.Sent{Key: "reminder", Lang: "en", Body: "reminder"}, nil
}

func (r *recorder) counts(id string) (sent, tries int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[id], r.tries[id]
}

// clock is a settable fake clock.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock    { c := &clock{}; c.set(t); return c }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

func seed(t *testing.T, st *store.Store, id string, start time.Time, location string) dialogue.Appointment {
	t.Helper()
	ctx := context.Background()
	pid := "p-" + id
	if err := st.PutPatient(ctx, dialogue.Patient{ID: pid, Phone: "+1555" + fmt.Sprintf("%07d", len(id)), Name: "Pat"}); err != nil {
		t.Fatalf("PutPatient(%s): %v", pid, err)
	}
	a := dialogue.Appointment{ID: id, PatientID: pid, Provider: "dr-lee", Location: location, Type: "checkup", Start: start, DurationMinutes: 30}
	if err := st.PutAppointment(ctx, a); err != nil {
		t.Fatalf("PutAppointment(%s): %v", id, err)
	}
	got, err := st.Appointment(ctx, id)
	if err != nil {
		t.Fatalf("Appointment(%s): %v", id, err)
	}
	return got
}

// config maps location "main" to New York and "tokyo" to Tokyo.
func config(t *testing.T, c *clock) reminders.Config {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return reminders.Config{
		QuietStart: reminders.DefaultQuietStart,
		QuietEnd:   reminders.DefaultQuietEnd,
		Zone: func(loc string) *time.Location {
			if loc == "tokyo" {
				return tokyo
			}
			return ny
		},
		Now:         c.now,
		MaxAttempts: 5,
	}
}

func tick(t *testing.T, s *reminders.Scheduler, call string, want reminders.Report) {
	t.Helper()
	got, err := s.Tick(context.Background())
	if err != nil {
		t.Errorf("%s: Tick: %v", call, err)
	}
	if got != want {
		t.Errorf("%s: Tick() = %+v, want %+v", call, got, want)
	}
}

func TestTickSendsOncePerLeadTime(t *testing.T) {
	ctx := context.Background()
	env := newRedisEnv(t)
	st := env.store()
	t0 := time.Date(2026, 6, 1, 16, 0, 0, 0, time.UTC) // 12:00 in New York, 01:00 in Tokyo
	c := newClock(t0)
	h := time.Hour

	both := seed(t, st, "a-both", t0.Add(30*h), "main")    // 72 h now, 24 h after 7 h
	late := seed(t, st, "a-late", t0.Add(10*h), "main")    // created 10 h ahead: one reminder
	opted := seed(t, st, "a-opted", t0.Add(30*h), "main")  // patient opted out
	seed(t, st, "a-cancel", t0.Add(30*h), "main")          // cancelled before the tick
	race := seed(t, st, "a-race", t0.Add(30*h), "main")    // cancelled during the send
	tk := seed(t, st, "a-tokyo", t0.Add(20*h), "tokyo")    // quiet there now: deferred
	flaky := seed(t, st, "a-flaky", t0.Add(40*h), "main")  // the provider fails twice
	seed(t, st, "a-far", t0.Add(100*h), "main")            // not due
	seed(t, st, "a-started", t0.Add(-time.Minute), "main") // too late for anything
	if _, _, err := st.Cancel(ctx, "a-cancel"); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder(st)
	rec.optedOut[opted.PatientID] = true
	rec.cancelOn[race.ID] = true
	rec.failures[flaky.ID] = 2
	s := reminders.New(st, rec, config(t, c), nil)

	tick(t, s, "tick 1", reminders.Report{Sent: 2, Deferred: 1, Skipped: 2, Failed: 1})
	tick(t, s, "tick 2", reminders.Report{Deferred: 1, Failed: 1})
	tick(t, s, "tick 3", reminders.Report{Sent: 1, Deferred: 1})
	tick(t, s, "tick 4", reminders.Report{Deferred: 1})
	c.add(7 * h) // 19:00 in New York, 08:00 in Tokyo
	// a-both's and a-tokyo's 24 h reminders; a-opted's is skipped too.
	tick(t, s, "tick 5 (7 h later)", reminders.Report{Sent: 2, Skipped: 1})
	tick(t, s, "tick 6", reminders.Report{})
	c.add(13 * h)                                                // 08:00 in New York
	tick(t, s, "tick 7 (20 h later)", reminders.Report{Sent: 1}) // a-flaky's 24 h reminder
	tick(t, s, "tick 8", reminders.Report{})

	for _, tc := range []struct {
		id         string
		sent, trys int
	}{
		{"a-both", 2, 2}, {"a-late", 1, 1}, {"a-opted", 0, 2}, {"a-cancel", 0, 0}, {"a-race", 0, 1},
		{"a-tokyo", 1, 1}, {"a-flaky", 2, 4}, {"a-far", 0, 0}, {"a-started", 0, 0},
	} {
		if sent, tries := rec.counts(tc.id); sent != tc.sent || tries != tc.trys {
			t.Errorf("%s: %d texts in %d SendReminder calls, want %d in %d", tc.id, sent, tries, tc.sent, tc.trys)
		}
	}
	for _, tc := range []struct {
		a    dialogue.Appointment
		lead time.Duration
		want string
	}{
		{both, 72 * h, "sent"}, {both, 24 * h, "sent"},
		{late, 72 * h, ""}, {late, 24 * h, "sent"},
		{opted, 72 * h, "opted_out"}, {opted, 24 * h, "opted_out"},
		{race, 72 * h, "inactive"},
		{tk, 72 * h, ""}, {tk, 24 * h, "sent"},
		{flaky, 72 * h, "sent"}, {flaky, 24 * h, "sent"},
	} {
		if got, err := st.ReminderOutcome(ctx, tc.a, tc.lead); err != nil || got != tc.want {
			t.Errorf("ReminderOutcome(%s, %v) = %q, %v; want %q", tc.a.ID, tc.lead, got, err, tc.want)
		}
	}
}

func TestTickGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	env := newRedisEnv(t)
	st := env.store()
	c := newClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	a := seed(t, st, "a-down", c.now().Add(20*time.Hour), "main")
	rec := newRecorder(st)
	rec.failures[a.ID] = 100
	cfg := config(t, c)
	cfg.MaxAttempts = 3
	s := reminders.New(st, rec, cfg, nil)
	for i := range 5 {
		want := reminders.Report{Failed: 1}
		if i >= 3 {
			want = reminders.Report{}
		}
		tick(t, s, fmt.Sprintf("tick %d", i+1), want)
	}
	if _, tries := rec.counts(a.ID); tries != 3 {
		t.Errorf("SendReminder calls = %d, want 3", tries)
	}
	if got, _ := st.ReminderOutcome(ctx, a, 24*time.Hour); got != "failed" {
		t.Errorf("ReminderOutcome = %q, want failed", got)
	}
}

// TestTickRetriesBusyLocksWithoutCountingThem: a conversation locked by a
// dead replica (up to 30 s) fails sends before the provider; those do not
// use up the attempts.
func TestTickRetriesBusyLocksWithoutCountingThem(t *testing.T) {
	ctx := context.Background()
	env := newRedisEnv(t)
	st := env.store()
	c := newClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	a := seed(t, st, "a-locked", c.now().Add(20*time.Hour), "main")
	rec := newRecorder(st)
	rec.busy[a.ID] = 6
	rec.failures[a.ID] = 2
	cfg := config(t, c)
	cfg.MaxAttempts = 3
	s := reminders.New(st, rec, cfg, nil)
	for i := range 8 {
		tick(t, s, fmt.Sprintf("tick %d", i+1), reminders.Report{Failed: 1})
	}
	tick(t, s, "tick 9", reminders.Report{Sent: 1})
	tick(t, s, "tick 10", reminders.Report{})
	if sent, tries := rec.counts(a.ID); sent != 1 || tries != 9 {
		t.Errorf("%d texts in %d SendReminder calls, want 1 in 9", sent, tries)
	}
	if got, _ := st.ReminderOutcome(ctx, a, 24*time.Hour); got != "sent" {
		t.Errorf("ReminderOutcome = %q, want sent", got)
	}
}

// unrecorded is a Sender whose text goes out but cannot be recorded.
type unrecorded struct{ calls atomic.Int32 }

func (u *unrecorded) SendReminder(context.Context, string) (dialogue.Sent, error) {
	u.calls.Add(1)
	return dialogue.Sent{Key: "reminder"}, errors.New("store outbound: connection reset")
}

func TestTickNeverResendsATextThatWentOut(t *testing.T) {
	env := newRedisEnv(t)
	st := env.store()
	c := newClock(time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC))
	seed(t, st, "a1", c.now().Add(20*time.Hour), "main")
	u := &unrecorded{}
	s := reminders.New(st, u, config(t, c), nil)
	tick(t, s, "tick 1", reminders.Report{Sent: 1})
	tick(t, s, "tick 2", reminders.Report{})
	if n := u.calls.Load(); n != 1 {
		t.Errorf("SendReminder calls = %d, want 1", n)
	}
}

// TestTwoSchedulersExactlyOnce: two replicas (own clients, own Scheduler)
// tick concurrently over 200 appointments through both lead times; each
// (appointment, lead time) is texted exactly once.
func TestTwoSchedulersExactlyOnce(t *testing.T) {
	ctx := context.Background()
	env := newRedisEnv(t)
	st := env.store()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c := newClock(t0)
	const n = 200
	var as []dialogue.Appointment
	for i := range n {
		as = append(as, seed(t, st, fmt.Sprintf("a%03d", i), t0.Add(30*time.Hour+time.Duration(i)*time.Minute), "main"))
	}
	rec := newRecorder(st)
	jitter := &jittery{rec: rec}
	replicas := []*reminders.Scheduler{
		reminders.New(env.store(), jitter, config(t, c), nil),
		reminders.New(env.store(), jitter, config(t, c), nil),
	}
	// Phase 1: every 72 h reminder is due. Phase 2 (8 h later): some 24 h
	// ones. Phase 3 (10 h later): all of them.
	for phase, advance := range []time.Duration{0, 8 * time.Hour, 2 * time.Hour} {
		c.add(advance)
		var wg sync.WaitGroup
		var sent atomic.Int64
		for _, s := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 3 {
					r, err := s.Tick(ctx)
					if err != nil {
						t.Errorf("phase %d: Tick: %v", phase+1, err)
					}
					sent.Add(int64(r.Sent))
				}
			}()
		}
		wg.Wait()
		if phase == 0 && sent.Load() != n {
			t.Errorf("phase 1: replicas report %d sent, want %d", sent.Load(), n)
		}
	}
	total := 0
	for _, a := range as {
		sent, _ := rec.counts(a.ID)
		total += sent
		if sent != 2 {
			t.Errorf("%s: %d texts, want 2 (72 h and 24 h)", a.ID, sent)
		}
		for _, lead := range []time.Duration{72 * time.Hour, 24 * time.Hour} {
			if got, _ := st.ReminderOutcome(ctx, a, lead); got != "sent" {
				t.Errorf("ReminderOutcome(%s, %v) = %q, want sent", a.ID, lead, got)
			}
		}
	}
	if total != 2*n {
		t.Errorf("%d texts in all, want %d", total, 2*n)
	}
}

// jittery delays each send a little so the replicas interleave.
type jittery struct{ rec *recorder }

func (j *jittery) SendReminder(ctx context.Context, id string) (dialogue.Sent, error) {
	time.Sleep(time.Duration(mrand.IntN(500)) * time.Microsecond)
	return j.rec.SendReminder(ctx, id)
}

// TestRestartSendsNothingTwice: replica A is stopped between two sends
// after 30 texts; a new instance takes over and sends the rest, once each.
func TestRestartSendsNothingTwice(t *testing.T) {
	env := newRedisEnv(t)
	st := env.store()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c := newClock(t0)
	const n = 100
	for i := range n {
		seed(t, st, fmt.Sprintf("a%03d", i), t0.Add(20*time.Hour+time.Duration(i)*time.Minute), "main")
	}
	rec := newRecorder(st)
	cfg := config(t, c)
	ctxA, stopA := context.WithCancel(context.Background())
	defer stopA()
	rec.onSend = func(total int) {
		if total == 30 {
			stopA()
		}
	}
	a := reminders.New(env.store(), rec, cfg, nil)
	r, err := a.Tick(ctxA)
	if err != nil || r.Sent != 30 {
		t.Fatalf("A: Tick() = %+v, %v; want 30 sent before the stop", r, err)
	}
	b := reminders.New(env.store(), rec, cfg, nil)
	tick(t, b, "B tick 1", reminders.Report{Sent: n - 30})
	tick(t, b, "B tick 2", reminders.Report{})
	b2 := reminders.New(env.store(), rec, cfg, nil)
	tick(t, b2, "B2 tick", reminders.Report{})
	for i := range n {
		id := fmt.Sprintf("a%03d", i)
		if s, _ := rec.counts(id); s != 1 {
			t.Errorf("%s: %d texts, want 1", id, s)
		}
	}
}

// TestTakeOverFromDeadReplica: replica A dies mid-send (hangs before the
// provider answers) holding a010's claim; replica B sends everything else
// at once and a010 once A's lease lapses.
func TestTakeOverFromDeadReplica(t *testing.T) {
	env := newRedisEnv(t)
	st := env.store()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	c := newClock(t0)
	const n = 100
	for i := range n {
		seed(t, st, fmt.Sprintf("a%03d", i), t0.Add(20*time.Hour+time.Duration(i)*time.Minute), "main")
	}
	rec := newRecorder(st)
	cfg := config(t, c)
	cfg.Lease = 500 * time.Millisecond
	hang := make(chan struct{})
	rec.block["a010"] = hang
	defer close(hang) // the "dead" goroutine returns at the end; its lease is long gone
	a := reminders.New(env.store(), rec, cfg, nil)
	go func() { _, _ = a.Tick(context.Background()) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, tries := rec.counts("a010"); tries == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica A never reached a010")
		}
		time.Sleep(time.Millisecond)
	}
	b := reminders.New(env.store(), rec, cfg, nil)
	tick(t, b, "B tick 1", reminders.Report{Sent: n - 11})
	tick(t, b, "B tick 2", reminders.Report{})
	if s, _ := rec.counts("a010"); s != 0 {
		t.Errorf("a010 sent %d times while A held it, want 0", s)
	}
	env.elapse(cfg.Lease + 100*time.Millisecond)
	rec.mu.Lock()
	delete(rec.block, "a010") // B's own send of it goes through
	rec.mu.Unlock()
	tick(t, b, "B tick 3 (lease lapsed)", reminders.Report{Sent: 1})
	tick(t, b, "B tick 4", reminders.Report{})
	for i := range n {
		id := fmt.Sprintf("a%03d", i)
		if s, _ := rec.counts(id); s != 1 {
			t.Errorf("%s: %d texts, want 1", id, s)
		}
	}
}
