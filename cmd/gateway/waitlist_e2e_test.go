package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"testing"
	"time"

	"clinicsms/internal/twiliofake"
)

// TestWaitlistRaceTwoProcesses: fifty waitlisted patients answer YES at the
// same moment to one freed slot, half through each of two gateway processes
// sharing one Redis. Exactly one gets the slot; the other 49 are told it is
// taken and keep their visit and their place on the list.
func TestWaitlistRaceTwoProcesses(t *testing.T) {
	redisURL := os.Getenv("REDIS_URL")
	if redisURL == "" {
		t.Fatal("REDIS_URL is unset: two processes need a shared real Redis (.ci/run sets it)")
	}
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	env := gatewayEnv(tw, map[string]string{
		"WAITLIST_BATCH": "50", "REDIS_URL": redisURL,
		"REDIS_KEY_PREFIX": "e2e-race-" + hex.EncodeToString([]byte(time.Now().Format("150405.000"))),
	})
	a := startGateway(t, env)
	b := startGateway(t, env)
	a.twilio, b.twilio = tw, tw
	b.run = a.run // same ids and phones through either process
	const n = 50
	var phones, appts []string
	for i := 0; i < n; i++ {
		_, aid, phone := a.seedPatient(fmt.Sprintf("race%d", i), "en", 100+i, 20)
		b.phones[phone] = true
		a.text(phone, "W")
		phones, appts = append(phones, phone), append(appts, aid)
	}
	_, early, _ := a.seedPatient("early", "en", 99, 10)
	a.mustAPI("POST", "/v1/appointments/"+early+"/cancel", nil, nil)
	for _, p := range phones {
		if c := b.conv(p); c.State != "waitlist_offer" {
			t.Fatalf("%s state %s, want waitlist_offer", p, c.State)
		}
	}
	moved, claimed, taken := raceYes(t, []*gw{a, b}, phones, appts)
	if moved != 1 || claimed != 1 || taken != n-1 {
		t.Errorf("%d simultaneous YES over two processes: %d moved, %d claimed, %d taken; want 1, 1, %d", n, moved, claimed, taken, n-1)
	}
	var wl struct {
		Waitlist []struct {
			AppointmentID string `json:"appointment_id"`
		} `json:"waitlist"`
	}
	a.mustAPI("GET", "/v1/waitlist", nil, &wl)
	if len(wl.Waitlist) != n-1 {
		t.Errorf("waitlist holds %d, want the %d who lost", len(wl.Waitlist), n-1)
	}
}
