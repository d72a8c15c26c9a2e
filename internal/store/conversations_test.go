package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clinicsms/dialogue"
)

func TestConversationRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	c, err := s.Conversation(ctx, "+15550000001")
	if err != nil || c.Phone != "+15550000001" || c.State != dialogue.Idle || !c.UpdatedAt.IsZero() {
		t.Fatalf("Conversation(new phone) = %+v, %v; want Idle with phone and zero UpdatedAt", c, err)
	}
	want := dialogue.Conversation{Phone: "+15550000001", State: dialogue.ChoosingSlot, Language: "vi", AppointmentID: "a1",
		Offers: []string{"s1", "s2", "s3"}, Misunderstood: 1, UpdatedAt: base}
	if err := s.SaveConversation(ctx, want); err != nil {
		t.Fatalf("SaveConversation: %v", err)
	}
	got, err := s.Conversation(ctx, want.Phone)
	if err != nil || fmt.Sprint(got.Offers) != fmt.Sprint(want.Offers) || got.State != want.State || got.Language != "vi" ||
		got.AppointmentID != "a1" || got.Misunderstood != 1 || !got.UpdatedAt.Equal(base) {
		t.Errorf("Conversation(saved) = %+v, %v; want %+v", got, err, want)
	}

	older := dialogue.Conversation{Phone: "+15550000002", State: dialogue.Escalated, Escalated: true, UpdatedAt: base.Add(-time.Hour)}
	if err := s.SaveConversation(ctx, older); err != nil {
		t.Fatalf("SaveConversation(older): %v", err)
	}
	// A thread with messages but no saved state is listed too, as Idle.
	if err := s.AppendMessage(ctx, "+15550000003", dialogue.Message{Direction: dialogue.In, Body: "hola", At: base}); err != nil {
		t.Fatalf("AppendMessage: %v", err)
	}
	all, err := s.Conversations(ctx)
	var phones []string
	for _, c := range all {
		phones = append(phones, c.Phone)
	}
	if wantPhones := "[+15550000001 +15550000002 +15550000003]"; err != nil || fmt.Sprint(phones) != wantPhones {
		t.Errorf("Conversations() = %v, %v; want %s (newest first)", phones, err, wantPhones)
	}
	if len(all) == 3 && all[2].State != dialogue.Idle {
		t.Errorf("Conversations()[2].State = %q, want idle", all[2].State)
	}
}

func TestMessagesAndStatus(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	phone := "+15550000001"
	msgs := []dialogue.Message{
		{SID: "SMout1", Direction: dialogue.Out, Body: "Reminder", At: base, Key: "reminder", Status: "queued"},
		{SID: "SMin1", Direction: dialogue.In, Body: "si", At: base.Add(time.Minute), Lang: "es", Intent: "confirm", Confidence: 0.93},
		{SID: "SMout2", Direction: dialogue.Out, Body: "Confirmado", At: base.Add(2 * time.Minute), Key: "confirm.done"},
		{Direction: dialogue.Out, Body: "no sid", At: base.Add(3 * time.Minute)},
	}
	for _, m := range msgs {
		if err := s.AppendMessage(ctx, phone, m); err != nil {
			t.Fatalf("AppendMessage(%s): %v", m.SID, err)
		}
	}
	for _, tc := range []struct {
		sid, status string
		want        error
	}{
		{"SMout1", "sent", nil},
		{"SMout2", "delivered", nil},
		{"SMout2", "sent", nil}, // late callback: ignored
		{"SMin1", "delivered", dialogue.ErrNotFound},
		{"SMnope", "delivered", dialogue.ErrNotFound},
	} {
		if err := s.UpdateMessageStatus(ctx, tc.sid, tc.status); !errors.Is(err, tc.want) {
			t.Errorf("UpdateMessageStatus(%s, %s) error = %v, want %v", tc.sid, tc.status, err, tc.want)
		}
	}
	got, err := s.Messages(ctx, phone)
	if err != nil || len(got) != len(msgs) {
		t.Fatalf("Messages() = %d messages, %v; want %d", len(got), err, len(msgs))
	}
	msgs[0].Status, msgs[2].Status = "sent", "delivered"
	for i := range msgs {
		g, w := got[i], msgs[i]
		if !g.At.Equal(w.At) {
			t.Errorf("Messages()[%d].At = %v, want %v", i, g.At, w.At)
		}
		g.At, w.At = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("Messages()[%d] = %+v, want %+v", i, g, w)
		}
	}
	if other, err := s.Messages(ctx, "+15559999999"); err != nil || len(other) != 0 {
		t.Errorf("Messages(unknown phone) = %v, %v; want none", other, err)
	}
}

func TestLockExclusion(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	phone := "+15550000001"
	var inside, overlaps, total atomic.Int32
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 20 {
				unlock, err := s.Lock(ctx, phone)
				if err != nil {
					t.Errorf("Lock: %v", err)
					return
				}
				if inside.Add(1) > 1 {
					overlaps.Add(1)
				}
				total.Add(1)
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 || total.Load() != 40 {
		t.Errorf("Lock: %d overlapping holders in %d sections, want 0 in 40", overlaps.Load(), total.Load())
	}

	// A held lock makes others wait, then fail.
	unlock, err := s.Lock(ctx, phone)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	s.lockWait = 100 * time.Millisecond
	if _, err := s.Lock(ctx, phone); !errors.Is(err, ErrLockTimeout) {
		t.Errorf("Lock(held) error = %v, want ErrLockTimeout", err)
	}
	if other, err := s.Lock(ctx, "+15550000002"); err != nil {
		t.Errorf("Lock(other phone) error = %v, want nil", err)
	} else {
		other()
	}

	// Our lease expired and someone else holds the lock now: our unlock
	// must leave theirs alone.
	if err := s.rdb.Set(ctx, s.lockKey(phone), "someone-else", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	unlock()
	if v, err := s.rdb.Get(ctx, s.lockKey(phone)).Result(); err != nil || v != "someone-else" {
		t.Errorf("after stale unlock, lock = %q, %v; want someone-else's", v, err)
	}
	s.rdb.Del(ctx, s.lockKey(phone))
	unlock2, err := s.Lock(ctx, phone)
	if err != nil {
		t.Fatalf("Lock after release: %v", err)
	}
	unlock2()
	unlock2() // idempotent
}

func TestClaimInbound(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	now := base
	var mu sync.Mutex
	s.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	const n = 20
	states := make([]InboundState, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if states[i], err = s.ClaimInbound(ctx, "SMdup"); err != nil {
				t.Errorf("ClaimInbound(SMdup): %v", err)
			}
		})
	}
	wg.Wait()
	count := map[InboundState]int{}
	for _, st := range states {
		count[st]++
	}
	if count[InboundNew] != 1 || count[InboundDone] != n-1 {
		t.Errorf("%d concurrent ClaimInbound = %v, want 1 new and %d done", n, count, n-1)
	}
	ttl, err := s.rdb.TTL(ctx, s.inboundKey("SMdup")).Result()
	if err != nil || ttl < 6*24*time.Hour || ttl > 7*24*time.Hour {
		t.Errorf("TTL(inbound mark) = %v, %v; want about 7 days", ttl, err)
	}

	for _, step := range []struct {
		name    string
		advance time.Duration
		finish  bool
		want    InboundState
	}{
		{"young pending", 10 * time.Second, false, InboundDone},
		{"stale pending", 25 * time.Second, false, InboundPending},
		{"just reclaimed", time.Second, false, InboundDone},
		{"reclaim went stale too", 31 * time.Second, false, InboundPending},
		{"finished", time.Hour, true, InboundDone},
	} {
		advance(step.advance)
		if step.finish {
			if err := s.FinishInbound(ctx, "SMdup"); err != nil {
				t.Fatalf("FinishInbound: %v", err)
			}
		}
		if got, err := s.ClaimInbound(ctx, "SMdup"); err != nil || got != step.want {
			t.Errorf("%s: ClaimInbound = %v, %v; want %v", step.name, got, err, step.want)
		}
	}
	// A failed attempt releases its claim: the retry is new; a finished
	// sid cannot be released.
	for _, step := range []struct {
		call string
		do   func() error
		want InboundState
	}{
		{"ClaimInbound(SMother)", nil, InboundNew},
		{"ReleaseInbound(SMother)", func() error { return s.ReleaseInbound(ctx, "SMother") }, InboundNew},
		{"FinishInbound(SMother)", func() error { return s.FinishInbound(ctx, "SMother") }, InboundDone},
		{"ReleaseInbound(finished SMother)", func() error { return s.ReleaseInbound(ctx, "SMother") }, InboundDone},
	} {
		if step.do != nil {
			if err := step.do(); err != nil {
				t.Fatalf("%s: %v", step.call, err)
			}
		}
		if got, err := s.ClaimInbound(ctx, "SMother"); err != nil || got != step.want {
			t.Errorf("after %s, ClaimInbound(SMother) = %v, %v; want %v", step.call, got, err, step.want)
		}
	}
}

// TestKeysHaveHashTags runs a scenario touching every kind of key, then
// checks every key carries a hash tag and every multi-key command stayed
// within one tag (one cluster slot).
func TestKeysHaveHashTags(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	var hook slotChecker
	s.rdb.AddHook(&hook)

	mustPatient(t, s, "p1", "+15550000001")
	mustPatient(t, s, "p1", "+15550000002")
	mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(48)})
	mustAppt(t, s, dialogue.Appointment{ID: "b1", PatientID: "p1", Start: at(72)})
	mustSlot(t, s, dialogue.Slot{ID: "s1", Start: at(2)})
	steps := []error{
		s.JoinWaitlist(ctx, "a1", base),
		s.JoinWaitlist(ctx, "b1", base),
		second(s.Confirm(ctx, "b1")),
		third(s.Move(ctx, "a1", "s1", "a2")),
		third(s.Cancel(ctx, "b1")),
		second(s.WaitlistFor(ctx, dialogue.Slot{Provider: "dr-lee", Type: "checkup", Location: "main"})),
		second(s.OpenSlots(ctx, "dr-lee", "checkup", base, 3)),
		second(s.PatientsByPhone(ctx, "+15550000002")),
		second(s.AppointmentsByPatient(ctx, "p1")),
		s.OpenTask(ctx, dialogue.Task{Phone: "+15550000002", Kind: "question"}),
		s.SaveConversation(ctx, dialogue.Conversation{Phone: "+15550000002", State: dialogue.AwaitingReply}),
		s.AppendMessage(ctx, "+15550000002", dialogue.Message{SID: "SM1", Direction: dialogue.Out, Body: "hi"}),
		s.UpdateMessageStatus(ctx, "SM1", "delivered"),
		second(s.ClaimInbound(ctx, "SMin")),
		s.FinishInbound(ctx, "SMin"),
		second(s.Conversations(ctx)),
	}
	for i, err := range steps {
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	unlock, err := s.Lock(ctx, "+15550000002")
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	keys := allKeys(t, s)
	unlock()

	P := s.prefix
	want := []string{
		P + ":conv:{+15550000002}",
		P + ":conv:{+15550000002}:lock",
		P + ":conv:{+15550000002}:msgs",
		P + ":inbound:{SMin}",
		P + ":msgsid:{SM1}",
		P + ":{convs}:phones",
		P + ":{sched}:appt:a1",
		P + ":{sched}:appt:a2",
		P + ":{sched}:appt:b1",
		P + ":{sched}:pappts:p1",
		P + ":{sched}:patient:p1",
		P + ":{sched}:phone:+15550000002",
		P + ":{sched}:slot:freed-a1",
		P + ":{sched}:slot:freed-b1",
		P + ":{sched}:slots",
		P + ":{sched}:starts",
		P + ":{sched}:tasks",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys after scenario:\n%s\nwant\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	tags := map[string]bool{"sched": true, "convs": true, "+15550000002": true, "SM1": true, "SMin": true}
	for _, k := range keys {
		if !strings.HasPrefix(k, P+":") {
			t.Errorf("key %q lacks the prefix", k)
		}
		if tag := hashTag(k); tag == k || !tags[tag] {
			t.Errorf("key %q has hash tag %q, want one of %v", k, tag, tags)
		}
	}
	if hook.checks == 0 {
		t.Error("slot checker saw no multi-key commands")
	}
	for _, b := range hook.bad {
		t.Errorf("multi-key command spans hash tags: %s", b)
	}
}
