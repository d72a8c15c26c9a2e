package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestSimulationAddsUp runs a small simulation and checks the bookkeeping:
// nothing is filled that was not freed, every fill took time, offers were
// sent, and patients who always say YES fill every fillable cancellation.
func TestSimulationAddsUp(t *testing.T) {
	p := params{waiting: 60, cancellations: 10, providers: 2, batch: 3, yes: 1, no: 0,
		meanReply: 5 * time.Minute, expiry: 30 * time.Minute, sweep: 5 * time.Minute, seed: 7}
	res, err := simulate(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.FromCancellations != 10 {
		t.Errorf("freed by cancellations = %d, want 10", res.FromCancellations)
	}
	if res.Filled > res.Freed || res.FilledCancellations > res.FromCancellations || len(res.FillTimes) != res.Filled {
		t.Errorf("inconsistent result %+v", res)
	}
	// 30 waiting patients per provider with later visits and everyone says
	// YES: every cancelled slot is taken.
	if res.FilledCancellations != 10 {
		t.Errorf("with eager patients %d of 10 cancelled slots filled, want 10", res.FilledCancellations)
	}
	if res.Offers < res.Filled {
		t.Errorf("offers %d < fills %d", res.Offers, res.Filled)
	}
	// Nobody answers: nothing is filled, yet every batch moved on.
	p.yes, p.no = 0, 0
	quiet, err := simulate(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if quiet.Filled != 0 || quiet.Offers <= 10*p.batch {
		t.Errorf("silent patients: filled %d offers %d; want 0 filled and more than one batch per slot", quiet.Filled, quiet.Offers)
	}
}

func TestRunPrintsReport(t *testing.T) {
	var out strings.Builder
	if err := run(context.Background(), []string{"-waiting", "20", "-cancellations", "3", "-providers", "1"}, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"fill rate", "time to fill", "per filled slot"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
