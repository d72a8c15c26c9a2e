package store

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

func idsOf(as []dialogue.Appointment) []string {
	ids := make([]string, len(as))
	for i, a := range as {
		ids[i] = a.ID
	}
	return ids
}

func TestAppointmentsBetween(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustPatient(t, s, "p2", "+15550000002")
	mustAppt(t, s, dialogue.Appointment{ID: "a-10", PatientID: "p1", Start: at(10)})
	mustAppt(t, s, dialogue.Appointment{ID: "a-2", PatientID: "p2", Start: at(2)})
	mustAppt(t, s, dialogue.Appointment{ID: "a-5", PatientID: "p1", Start: at(5)})
	mustAppt(t, s, dialogue.Appointment{ID: "a-5b", PatientID: "p2", Start: at(5)})
	mustAppt(t, s, dialogue.Appointment{ID: "a-ms", PatientID: "p2", Start: at(20).Add(1500 * time.Microsecond)})
	mustAppt(t, s, dialogue.Appointment{ID: "a-cancel", PatientID: "p2", Start: at(7)})
	if _, _, err := s.Cancel(ctx, "a-cancel"); err != nil {
		t.Fatalf("Cancel(a-cancel): %v", err)
	}
	// The clinic moves a-10 to hour 30: the index follows.
	mustAppt(t, s, dialogue.Appointment{ID: "a-10", PatientID: "p1", Start: at(30)})
	// A patient moves a-2 into a slot at hour 12; another books hour 14.
	mustSlot(t, s, dialogue.Slot{ID: "s-12", Start: at(12)})
	mustSlot(t, s, dialogue.Slot{ID: "s-14", Start: at(14)})
	if _, _, err := s.Move(ctx, "a-2", "s-12", "a-moved"); err != nil {
		t.Fatalf("Move(a-2, s-12): %v", err)
	}
	if _, err := s.Book(ctx, "s-14", "p1", "a-booked"); err != nil {
		t.Fatalf("Book(s-14): %v", err)
	}

	for _, tc := range []struct {
		from, to time.Time
		want     []string
	}{
		{at(0), at(100), []string{"a-2", "a-5", "a-5b", "a-cancel", "a-moved", "a-booked", "a-ms", "a-10"}},
		{at(5), at(6), []string{"a-5", "a-5b"}}, // from inclusive
		{at(0), at(2), nil},                     // to exclusive
		{at(2), at(5), []string{"a-2"}},         // rescheduled keeps its old start
		{at(10), at(11), nil},                   // a-10 no longer there
		{at(29), at(31), []string{"a-10"}},      // but here
		{at(7), at(7).Add(time.Millisecond), []string{"a-cancel"}},
		{at(20), at(20).Add(time.Millisecond), nil}, // a-ms is 1.5 ms past hour 20
		{at(20).Add(time.Millisecond), at(20).Add(1501 * time.Microsecond), []string{"a-ms"}},
		{at(20).Add(time.Millisecond), at(20).Add(1500 * time.Microsecond), nil},
		{at(6), at(5), nil}, // empty range
	} {
		got, err := s.AppointmentsBetween(ctx, tc.from, tc.to)
		if err != nil {
			t.Errorf("AppointmentsBetween(%v, %v): %v", tc.from, tc.to, err)
			continue
		}
		if ids := idsOf(got); !slices.Equal(ids, tc.want) {
			t.Errorf("AppointmentsBetween(%v, %v) = %v, want %v", tc.from, tc.to, ids, tc.want)
		}
	}

	// Statuses come through as stored.
	got, err := s.AppointmentsBetween(ctx, at(2), at(13))
	if err != nil {
		t.Fatalf("AppointmentsBetween(2h, 13h): %v", err)
	}
	want := map[string]dialogue.Status{"a-2": dialogue.Rescheduled, "a-5": dialogue.Booked, "a-5b": dialogue.Booked, "a-cancel": dialogue.Cancelled, "a-moved": dialogue.Confirmed}
	for _, a := range got {
		if a.Status != want[a.ID] {
			t.Errorf("AppointmentsBetween(2h, 13h): %s status %q, want %q", a.ID, a.Status, want[a.ID])
		}
	}
}

// TestStartsIndexFailedWriteChangesNothing checks the index is written
// in the same script as the record: a write refused by a guard leaves it
// alone.
func TestStartsIndexFailedWriteChangesNothing(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(3)})
	mustAppt(t, s, dialogue.Appointment{ID: "taken", PatientID: "p1", Start: at(4)})
	mustSlot(t, s, dialogue.Slot{ID: "s1", Start: at(1)})
	before := snapshot(t, s)
	if err := s.PutAppointment(ctx, dialogue.Appointment{ID: "a2", PatientID: "ghost", Start: at(5)}); err == nil {
		t.Fatal("PutAppointment(unknown patient) succeeded")
	}
	if _, _, err := s.Move(ctx, "a1", "s1", "taken"); err == nil {
		t.Fatal("Move(a1, s1, used id) succeeded")
	}
	if _, err := s.Book(ctx, "s1", "ghost", "a3"); err == nil {
		t.Fatal("Book(s1, unknown patient) succeeded")
	}
	if after := snapshot(t, s); !slices.Equal(keysOf(before), keysOf(after)) || before[s.startsKey()] != after[s.startsKey()] {
		t.Errorf("refused writes changed the store:\nbefore %v\nafter  %v", before, after)
	}
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestReminderClaims(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	a := mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(30)})
	const lead = 24 * time.Hour

	tok, n, err := s.ClaimReminder(ctx, a, lead, time.Minute)
	if err != nil || tok == "" || n != 0 {
		t.Fatalf("ClaimReminder(a1, 24h) = %q, %d, %v; want a token, 0 failures", tok, n, err)
	}
	if tok2, _, err := s.ClaimReminder(ctx, a, lead, time.Minute); err != nil || tok2 != "" {
		t.Fatalf("ClaimReminder(a1, 24h) while held = %q, %v; want no token", tok2, err)
	}
	// Other lead times and other start times are other reminders.
	if tok72, _, err := s.ClaimReminder(ctx, a, 72*time.Hour, time.Minute); err != nil || tok72 == "" {
		t.Fatalf("ClaimReminder(a1, 72h) = %q, %v; want a token", tok72, err)
	}
	moved := a
	moved.Start = at(31)
	if tokMoved, _, err := s.ClaimReminder(ctx, moved, lead, time.Minute); err != nil || tokMoved == "" {
		t.Fatalf("ClaimReminder(a1 moved, 24h) = %q, %v; want a token", tokMoved, err)
	}

	// Release: claimable again; failed releases are counted, others not;
	// a stranger's token settles nothing.
	if err := s.ReleaseReminder(ctx, a, lead, "not-mine", true); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("ReleaseReminder(wrong token) = %v, want ErrLeaseLost", err)
	}
	for i, failed := range []bool{true, false, true} {
		if err := s.ReleaseReminder(ctx, a, lead, tok, failed); err != nil {
			t.Fatalf("ReleaseReminder(failed=%v): %v", failed, err)
		}
		want := []int{1, 1, 2}[i]
		tok, n, err = s.ClaimReminder(ctx, a, lead, time.Minute)
		if err != nil || tok == "" || n != want {
			t.Fatalf("ClaimReminder after ReleaseReminder(failed=%v) = %q, %d, %v; want a token, %d failures", failed, tok, n, err, want)
		}
	}
	if done, err := s.RemindersDone(ctx, []dialogue.Appointment{a, moved}, lead); err != nil || !slices.Equal(done, []bool{false, false}) {
		t.Errorf("RemindersDone while held = %v, %v; want [false false]", done, err)
	}
	if err := s.FinishReminder(ctx, a, lead, tok, "sent"); err != nil {
		t.Fatalf("FinishReminder: %v", err)
	}
	if err := s.FinishReminder(ctx, a, lead, tok, "sent"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("FinishReminder twice = %v, want ErrLeaseLost", err)
	}
	if tok3, _, err := s.ClaimReminder(ctx, a, lead, time.Minute); err != nil || tok3 != "" {
		t.Errorf("ClaimReminder after finish = %q, %v; want no token", tok3, err)
	}
	if done, err := s.RemindersDone(ctx, []dialogue.Appointment{a, moved}, lead); err != nil || !slices.Equal(done, []bool{true, false}) {
		t.Errorf("RemindersDone after finish = %v, %v; want [true false]", done, err)
	}
	if out, err := s.ReminderOutcome(ctx, a, lead); err != nil || out != "sent" {
		t.Errorf("ReminderOutcome = %q, %v; want sent", out, err)
	}
	// The done mark expires a while after the appointment, not before.
	ttl, err := s.rdb.PTTL(ctx, s.reminderKey(a, lead)).Result()
	if err != nil {
		t.Fatal(err)
	}
	if until := time.Until(a.Start.Add(reminderRetain)); ttl < until-time.Minute || ttl > until+time.Minute {
		t.Errorf("done mark TTL = %v, want about %v", ttl, until)
	}
	if ttl, _ := s.rdb.PTTL(ctx, s.reminderKey(a, lead)+":fails").Result(); ttl <= 0 {
		t.Errorf("failure counter TTL = %v, want one", ttl)
	}
}

func TestReminderLeaseLapses(t *testing.T) {
	ctx := context.Background()
	s, fastForward := leaseStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	a := mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(30)})
	const lead = 24 * time.Hour

	dead, _, err := s.ClaimReminder(ctx, a, lead, 50*time.Millisecond)
	if err != nil || dead == "" {
		t.Fatalf("ClaimReminder = %q, %v", dead, err)
	}
	fastForward(100 * time.Millisecond)
	tok, n, err := s.ClaimReminder(ctx, a, lead, time.Minute)
	if err != nil || tok == "" || n != 0 {
		t.Fatalf("ClaimReminder after the lease lapsed = %q, %d, %v; want a token, 0 failures", tok, n, err)
	}
	// The presumed-dead holder wakes up: it can neither finish nor release.
	if err := s.ReleaseReminder(ctx, a, lead, dead, true); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("ReleaseReminder(lapsed token) = %v, want ErrLeaseLost", err)
	}
	if err := s.FinishReminder(ctx, a, lead, dead, "sent"); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("FinishReminder(lapsed token) = %v, want ErrLeaseLost", err)
	}
	if err := s.FinishReminder(ctx, a, lead, tok, "opted_out"); err != nil {
		t.Errorf("FinishReminder(new holder): %v", err)
	}
	if out, _ := s.ReminderOutcome(ctx, a, lead); out != "opted_out" {
		t.Errorf("ReminderOutcome = %q, want opted_out", out)
	}
}

func TestReminderClaimRace(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	a := mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(30)})
	var (
		mu  sync.Mutex
		won int
		wg  sync.WaitGroup
	)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, _, err := s.ClaimReminder(ctx, a, 24*time.Hour, time.Minute)
			if err != nil {
				t.Errorf("ClaimReminder: %v", err)
			}
			if tok != "" {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if won != 1 {
		t.Errorf("50 concurrent ClaimReminder: %d won, want 1", won)
	}
}

// leaseStore returns a test store and a func that lets d pass for key
// expiry: a sleep on a real Redis, miniredis's FastForward otherwise.
func leaseStore(t *testing.T) (*Store, func(d time.Duration)) {
	t.Helper()
	if os.Getenv("REDIS_URL") != "" {
		return newTestStore(t), time.Sleep
	}
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	return New(rdb, "t-"+randomHex(6)), mr.FastForward
}
