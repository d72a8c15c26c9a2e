package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/internal/broadcast"
)

func testBroadcast(id string, n int) (broadcast.Broadcast, []broadcast.Recipient) {
	rs := make([]broadcast.Recipient, n)
	for i := range rs {
		rs[i] = broadcast.Recipient{PatientID: fmt.Sprintf("p%d", i), Phone: fmt.Sprintf("+1555000%04d", i), AppointmentID: fmt.Sprintf("a%d", i), Start: base}
	}
	b := broadcast.Broadcast{ID: id, Total: n, CreatedAt: base,
		Filter:  broadcast.Filter{From: base, To: base.Add(24 * time.Hour)},
		Message: broadcast.Message{Templates: map[string]string{"en": "Closed Monday", "es": "Cerrado el lunes"}}}
	return b, rs
}

func mustProgress(t *testing.T, s *Store, id string) broadcast.Progress {
	t.Helper()
	_, p, err := s.Broadcast(context.Background(), id)
	if err != nil {
		t.Fatalf("Broadcast(%s): %v", id, err)
	}
	return p
}

func TestBroadcastRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	b, rs := testBroadcast("bc-1", 3)
	if err := s.CreateBroadcast(ctx, b, rs); err != nil {
		t.Fatalf("CreateBroadcast: %v", err)
	}
	got, p, err := s.Broadcast(ctx, "bc-1")
	if err != nil {
		t.Fatalf("Broadcast(bc-1): %v", err)
	}
	if got.ID != b.ID || got.Total != 3 || !got.CreatedAt.Equal(b.CreatedAt) || got.Message.Templates["es"] != "Cerrado el lunes" || !got.Filter.To.Equal(b.Filter.To) {
		t.Errorf("Broadcast(bc-1) = %+v, want %+v", got, b)
	}
	if want := (broadcast.Progress{Total: 3}); p != want || p.Status() != broadcast.Queued || p.Queued() != 3 {
		t.Errorf("Broadcast(bc-1) progress = %+v (%s, queued %d), want %+v queued", p, p.Status(), p.Queued(), want)
	}
	if ids, err := s.ActiveBroadcasts(ctx); err != nil || !slices.Equal(ids, []string{"bc-1"}) {
		t.Errorf("ActiveBroadcasts() = %v, %v; want [bc-1]", ids, err)
	}
	if _, _, err := s.Broadcast(ctx, "nope"); !errors.Is(err, dialogue.ErrNotFound) {
		t.Errorf("Broadcast(nope) err = %v, want ErrNotFound", err)
	}
	if err := s.CreateBroadcast(ctx, broadcast.Broadcast{ID: "bad", Total: 2}, rs); err == nil {
		t.Errorf("CreateBroadcast(total 2, 3 recipients) = nil, want error")
	}

	// A broadcast nobody matches is done at once and never listed.
	empty, _ := testBroadcast("bc-empty", 0)
	if err := s.CreateBroadcast(ctx, empty, nil); err != nil {
		t.Fatalf("CreateBroadcast(empty): %v", err)
	}
	if p := mustProgress(t, s, "bc-empty"); p.Status() != broadcast.Done || p.DoneAt.IsZero() {
		t.Errorf("empty broadcast progress = %+v (%s), want done with done_at", p, p.Status())
	}
	if ids, _ := s.ActiveBroadcasts(ctx); slices.Contains(ids, "bc-empty") {
		t.Errorf("ActiveBroadcasts() = %v, lists the empty broadcast", ids)
	}
}

func TestClaimSettleRelease(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	b, rs := testBroadcast("bc-2", 3)
	if err := s.CreateBroadcast(ctx, b, rs); err != nil {
		t.Fatalf("CreateBroadcast: %v", err)
	}
	lease := base.Add(time.Minute)
	c0, ok, err := s.ClaimRecipient(ctx, "bc-2", lease)
	if err != nil || !ok || c0.Index != 0 || c0.Recipient != rs[0] {
		t.Fatalf("ClaimRecipient #1 = %+v, %v, %v; want index 0 %+v", c0, ok, err, rs[0])
	}
	c1, _, _ := s.ClaimRecipient(ctx, "bc-2", lease)
	if p := mustProgress(t, s, "bc-2"); p.Claimed != 2 || p.Status() != broadcast.Sending {
		t.Errorf("after two claims: %+v (%s), want claimed 2, sending", p, p.Status())
	}

	// Released unsent, index 1 is handed out again before index 2.
	if err := s.ReleaseRecipient(ctx, "bc-2", c1.Index); err != nil {
		t.Fatalf("ReleaseRecipient(1): %v", err)
	}
	if p := mustProgress(t, s, "bc-2"); p.Claimed != 1 {
		t.Errorf("after release: claimed = %d, want 1", p.Claimed)
	}
	again, _, _ := s.ClaimRecipient(ctx, "bc-2", lease)
	if again.Index != 1 {
		t.Errorf("claim after release = index %d, want 1", again.Index)
	}

	counted, done, err := s.SettleRecipient(ctx, "bc-2", 0, broadcast.Sent, base)
	if err != nil || !counted || done {
		t.Errorf("SettleRecipient(0, sent) = %v, %v, %v; want counted, not done", counted, done, err)
	}
	if counted, _, _ := s.SettleRecipient(ctx, "bc-2", 0, broadcast.Failed, base); counted {
		t.Errorf("SettleRecipient(0) again counted it twice")
	}
	if counted, _, _ := s.SettleRecipient(ctx, "bc-2", 2, broadcast.Sent, base); counted {
		t.Errorf("SettleRecipient(2) of an unclaimed index counted it")
	}
	if err := s.ReleaseRecipient(ctx, "bc-2", 0); err != nil {
		t.Fatalf("ReleaseRecipient(settled 0): %v", err)
	}
	if _, _, err := s.SettleRecipient(ctx, "bc-2", 1, "lost", base); err == nil {
		t.Errorf("SettleRecipient(outcome lost) = nil error, want one")
	}
	if _, _, err := s.SettleRecipient(ctx, "bc-2", 1, broadcast.Skipped, base); err != nil {
		t.Fatal(err)
	}
	c2, ok, _ := s.ClaimRecipient(ctx, "bc-2", lease)
	if !ok || c2.Index != 2 {
		t.Fatalf("third claim = %+v, %v; want index 2 (the released settled one is not handed out)", c2, ok)
	}
	if _, ok, _ := s.ClaimRecipient(ctx, "bc-2", lease); ok {
		t.Errorf("claim past the end: ok = true, want false")
	}
	counted, done, err = s.SettleRecipient(ctx, "bc-2", 2, broadcast.Failed, base.Add(time.Second))
	if err != nil || !counted || !done {
		t.Errorf("SettleRecipient(last) = %v, %v, %v; want counted and done", counted, done, err)
	}
	p := mustProgress(t, s, "bc-2")
	want := broadcast.Progress{Total: 3, Claimed: 3, Sent: 1, Failed: 1, Skipped: 1, DoneAt: base.Add(time.Second)}
	if p != want || p.Status() != broadcast.Done || p.Queued() != 0 {
		t.Errorf("final progress = %+v (%s), want %+v done", p, p.Status(), want)
	}
	ttl, _ := s.rdb.PTTL(ctx, s.bcRcptKey("bc-2")).Result()
	if ttl <= 0 || ttl > recipientRetain {
		t.Errorf("recipient list TTL after done = %v, want (0, %v]", ttl, recipientRetain)
	}
	if err := s.RetireBroadcast(ctx, "bc-2"); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.ActiveBroadcasts(ctx); len(ids) != 0 {
		t.Errorf("ActiveBroadcasts() after retire = %v, want none", ids)
	}
}

func TestExpiredClaims(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	b, rs := testBroadcast("bc-3", 3)
	if err := s.CreateBroadcast(ctx, b, rs); err != nil {
		t.Fatal(err)
	}
	for i, lease := range []time.Time{base.Add(time.Second), base.Add(time.Hour), base.Add(2 * time.Second)} {
		if c, ok, err := s.ClaimRecipient(ctx, "bc-3", lease); err != nil || !ok || c.Index != i {
			t.Fatalf("ClaimRecipient #%d = %+v, %v, %v", i, c, ok, err)
		}
	}
	got, err := s.ExpiredClaims(ctx, "bc-3", base.Add(time.Minute), 10)
	if err != nil {
		t.Fatal(err)
	}
	var idx []int
	for _, c := range got {
		idx = append(idx, c.Index)
		if c.Recipient != rs[c.Index] {
			t.Errorf("expired claim %d recipient = %+v, want %+v", c.Index, c.Recipient, rs[c.Index])
		}
	}
	if !slices.Equal(idx, []int{0, 2}) {
		t.Errorf("ExpiredClaims(+1m) = %v, want [0 2]", idx)
	}
	if got, _ := s.ExpiredClaims(ctx, "bc-3", base.Add(time.Minute), 1); len(got) != 1 {
		t.Errorf("ExpiredClaims(limit 1) = %d claims, want 1", len(got))
	}
	if _, _, err := s.SettleRecipient(ctx, "bc-3", 0, broadcast.Failed, base); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.ExpiredClaims(ctx, "bc-3", base.Add(time.Minute), 10); len(got) != 1 || got[0].Index != 2 {
		t.Errorf("ExpiredClaims after settling 0 = %+v, want only index 2", got)
	}
}

// TestClaimRace: many claimers on one broadcast get every recipient
// exactly once between them.
func TestClaimRace(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	const n = 300
	b, rs := testBroadcast("bc-race", n)
	if err := s.CreateBroadcast(ctx, b, rs); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		got      = map[int]int{}
		released = map[int]bool{}
		wg       sync.WaitGroup
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, ok, err := s.ClaimRecipient(ctx, "bc-race", base.Add(time.Hour))
				if err != nil {
					t.Errorf("ClaimRecipient: %v", err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				giveBack := c.Index%10 == 3 && !released[c.Index]
				released[c.Index] = true
				mu.Unlock()
				if giveBack {
					// given back unsent, it must come out again, once
					if err := s.ReleaseRecipient(ctx, "bc-race", c.Index); err != nil {
						t.Errorf("ReleaseRecipient: %v", err)
					}
					continue
				}
				if _, _, err := s.SettleRecipient(ctx, "bc-race", c.Index, broadcast.Sent, base); err != nil {
					t.Errorf("SettleRecipient: %v", err)
				}
				mu.Lock()
				got[c.Index]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if got[i] != 1 {
			t.Errorf("recipient %d settled %d times, want 1", i, got[i])
		}
	}
	if p := mustProgress(t, s, "bc-race"); p.Sent != n || p.Claimed != n || p.Status() != broadcast.Done {
		t.Errorf("progress = %+v (%s), want %d sent, done", p, p.Status(), n)
	}
}

func TestPatientsByID(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustPatient(t, s, "p2", "+15550000002")
	ps, err := s.PatientsByID(ctx, []string{"p2", "ghost", "p1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if !slices.Equal(ids, []string{"p2", "p1"}) {
		t.Errorf("PatientsByID(p2, ghost, p1) = %v, want [p2 p1]", ids)
	}
	if ps, err := s.PatientsByID(ctx, nil); err != nil || len(ps) != 0 {
		t.Errorf("PatientsByID(nil) = %v, %v; want none", ps, err)
	}
}

func TestReserveSend(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	const interval = 200 * time.Millisecond
	if wait, err := s.ReserveSend(ctx, "b", interval); err != nil || wait != 0 {
		t.Fatalf("ReserveSend #1 = %v, %v; want 0 (an idle bucket)", wait, err)
	}
	// Each later call gets the next slot: one and two intervals on (less
	// the few ms between calls).
	for i, want := range []time.Duration{interval, 2 * interval} {
		wait, err := s.ReserveSend(ctx, "b", interval)
		if err != nil || wait > want || wait < want-50*time.Millisecond {
			t.Errorf("ReserveSend #%d = %v, %v; want about %v", i+2, wait, err, want)
		}
	}
	if w, _ := s.ReserveSend(ctx, "other", interval); w != 0 {
		t.Errorf("ReserveSend(other bucket) = %v, want 0: buckets are separate", w)
	}
	time.Sleep(3 * interval)
	if w, err := s.ReserveSend(ctx, "b", interval); err != nil || w != 0 {
		t.Errorf("ReserveSend after the bucket went idle = %v, %v; want 0 (idle time is not saved up)", w, err)
	}
	if w, _ := s.ReserveSend(ctx, "b", interval); w < interval-50*time.Millisecond {
		t.Errorf("ReserveSend right after = %v, want about %v: no burst", w, interval)
	}
}

// TestBroadcastKeysShareTag: every script and MULTI of a broadcast stays
// in one cluster slot.
func TestBroadcastKeysShareTag(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	chk := &slotChecker{}
	s.rdb.AddHook(chk)
	b, rs := testBroadcast("bc-tags", 2)
	if err := s.CreateBroadcast(ctx, b, rs); err != nil {
		t.Fatal(err)
	}
	c, _, _ := s.ClaimRecipient(ctx, "bc-tags", base)
	_ = s.ReleaseRecipient(ctx, "bc-tags", c.Index)
	c, _, _ = s.ClaimRecipient(ctx, "bc-tags", base)
	_, _, _ = s.SettleRecipient(ctx, "bc-tags", c.Index, broadcast.Sent, base)
	_, _ = s.ReserveSend(ctx, "b", time.Second)
	if chk.checks < 4 || len(chk.bad) > 0 {
		t.Errorf("checked %d multi-key commands; cross-slot: %v", chk.checks, chk.bad)
	}
	for _, k := range allKeys(t, s) {
		if hashTag(k) == k {
			t.Errorf("key %s has no hash tag", k)
		}
	}
}
