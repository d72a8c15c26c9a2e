package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestOffersAreRememberedAndDueOnce(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if err := s.RecordOffers(ctx, "slot1", []string{"a1", "a2"}, now.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOffers(ctx, "slot2", []string{"a3"}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Offered(ctx, "slot1")
	if err != nil || !got["a1"] || !got["a2"] || got["a3"] {
		t.Fatalf("Offered(slot1) = %v, %v; want a1, a2", got, err)
	}
	if due, _ := s.TakeDueOffers(ctx, now.Add(10*time.Minute)); len(due) != 0 {
		t.Errorf("TakeDueOffers before expiry = %v, want none", due)
	}
	// Ten sweepers at once: slot1 goes to exactly one of them.
	var mu sync.Mutex
	var all []string
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			due, err := s.TakeDueOffers(ctx, now.Add(45*time.Minute))
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			all = append(all, due...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(all) != 1 || all[0] != "slot1" {
		t.Errorf("concurrent TakeDueOffers = %v, want [slot1] once", all)
	}
	if err := s.ClearOffers(ctx, "slot2"); err != nil {
		t.Fatal(err)
	}
	if due, _ := s.TakeDueOffers(ctx, now.Add(2*time.Hour)); len(due) != 0 {
		t.Errorf("cleared slot still due: %v", due)
	}
}
