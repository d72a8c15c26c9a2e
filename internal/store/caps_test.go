package store

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"clinicsms/dialogue"
)

func TestAllowAutomatedHoldsEveryCap(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	caps := []dialogue.Cap{{Max: 1, Per: 24 * time.Hour}, {Max: 3, Per: 7 * 24 * time.Hour}}
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	steps := []struct {
		at   time.Duration
		want bool
	}{
		{0, true},                // first of the day
		{time.Hour, false},       // second the same day
		{25 * time.Hour, true},   // next day
		{49 * time.Hour, true},   // third this week
		{73 * time.Hour, false},  // fourth this week
		{170 * time.Hour, true},  // the first one left the week window
		{171 * time.Hour, false}, // but today's cap holds
	}
	for _, st := range steps {
		got, err := s.AllowAutomated(ctx, "+15550001234", t0.Add(st.at), caps)
		if err != nil {
			t.Fatal(err)
		}
		if got != st.want {
			t.Errorf("AllowAutomated at +%v = %v, want %v", st.at, got, st.want)
		}
	}
	if ok, _ := s.AllowAutomated(ctx, "+15550001234", t0, nil); !ok {
		t.Error("no caps must always allow")
	}
}

func TestAllowAutomatedConcurrentLastRoom(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	caps := []dialogue.Cap{{Max: 1, Per: 24 * time.Hour}}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ok, err := s.AllowAutomated(ctx, "+15550005678", now, caps); err == nil && ok {
				allowed.Add(1)
			}
		}()
	}
	wg.Wait()
	if allowed.Load() != 1 {
		t.Errorf("20 concurrent sends under a 1/day cap: %d allowed, want 1", allowed.Load())
	}
}
