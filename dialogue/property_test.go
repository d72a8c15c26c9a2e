package dialogue_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/locales"
)

// TestRandomConversationsNeverDoubleBookOrLoseASlot replays random
// sequences of patient texts, clinic cancellations, reminders and offer
// sweeps, and checks after every step that each bookable time (provider,
// start) is held by exactly one thing: one active appointment or one open
// slot. Double-booking makes it two; a lost slot makes it zero.
func TestRandomConversationsNeverDoubleBookOrLoseASlot(t *testing.T) {
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	r := testReader(t)
	inputs := []string{"C", "X", "R", "W", "1", "2", "3", "YES", "NO", "yes please", "can we do another day?",
		"please cancel my appointment", "STOP", "START", "thanks", "where do I park?", "I want an earlier time if one opens"}
	changes := map[dialogue.Status]int{}
	for seq := 0; seq < 12; seq++ {
		t.Run(fmt.Sprint(seq), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(uint64(seq), 42))
			st := testStore(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			eng := dialogue.NewEngine(st, st, &countingSender{n: map[string]int{}}, r, texts, dialogue.Config{
				Clinic: dialogue.Clinic{Name: "C", Zone: time.UTC}, WaitlistBatch: 2, OfferExpiry: 20 * time.Minute,
				Now: func() time.Time { return now },
			}, nil)
			type point struct {
				prov string
				at   time.Time
			}
			points := map[point]bool{}
			var phones, appts []string
			for i := 0; i < 5; i++ {
				phone := fmt.Sprintf("+1555010%04d", seq*10+i)
				p := dialogue.Patient{ID: fmt.Sprintf("p%d", i), Phone: phone, Name: fmt.Sprintf("P%d Test", i), Language: "en"}
				if i == 4 { // a child sharing the parent's phone
					p.Phone = phones[0]
				} else {
					phones = append(phones, phone)
				}
				if err := st.PutPatient(ctx, p); err != nil {
					t.Fatal(err)
				}
				a := dialogue.Appointment{ID: fmt.Sprintf("a%d", i), PatientID: p.ID, Provider: "Dr. P", Location: "main", Type: "checkup",
					Start: now.Add(time.Duration(48+24*i) * time.Hour), DurationMinutes: 30}
				if err := st.PutAppointment(ctx, a); err != nil {
					t.Fatal(err)
				}
				points[point{a.Provider, a.Start}] = true
				appts = append(appts, a.ID)
			}
			for i := 0; i < 6; i++ {
				s := dialogue.Slot{ID: fmt.Sprintf("s%d", i), Provider: "Dr. P", Location: "main", Type: "checkup",
					Start: now.Add(time.Duration(30+24*i) * time.Hour), DurationMinutes: 30}
				if err := st.PutSlot(ctx, s); err != nil {
					t.Fatal(err)
				}
				points[point{s.Provider, s.Start}] = true
			}
			check := func(step int, what string) {
				t.Helper()
				held := map[point]int{}
				slots, err := st.Slots(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range slots {
					held[point{s.Provider, s.Start}]++
				}
				for i := 0; i < 5; i++ {
					as, err := st.AppointmentsByPatient(ctx, fmt.Sprintf("p%d", i))
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range as {
						if a.Active() {
							held[point{a.Provider, a.Start}]++
						}
					}
				}
				for p := range points {
					if held[p] != 1 {
						t.Fatalf("step %d (%s): time %v held %d times, want exactly 1", step, what, p.at, held[p])
					}
				}
				for p, n := range held {
					if !points[p] {
						t.Fatalf("step %d (%s): time %v appeared from nowhere (%d)", step, what, p.at, n)
					}
				}
			}
			check(0, "setup")
			for step := 1; step <= 40; step++ {
				var what string
				switch k := rnd.IntN(10); {
				case k < 7:
					phone, body := phones[rnd.IntN(len(phones))], inputs[rnd.IntN(len(inputs))]
					what = phone + " " + body
					if _, err := eng.Receive(ctx, dialogue.Inbound{SID: fmt.Sprintf("SM%d-%d", seq, step), From: phone, Body: body, At: now}); err != nil {
						t.Fatalf("step %d %s: %v", step, what, err)
					}
				case k == 7:
					id := appts[rnd.IntN(len(appts))]
					what = "clinic cancels " + id
					eng.CancelByClinic(ctx, id) // may be ErrConflict: already moved or cancelled
				case k == 8:
					id := appts[rnd.IntN(len(appts))]
					what = "reminder " + id
					eng.SendReminder(ctx, id) // may be opted out or inactive
				default:
					now = now.Add(25 * time.Minute)
					what = "sweep"
					if _, err := eng.SweepOffers(ctx); err != nil {
						t.Fatal(err)
					}
				}
				check(step, what)
			}
			for i := 0; i < 5; i++ {
				as, _ := st.AppointmentsByPatient(ctx, fmt.Sprintf("p%d", i))
				for _, a := range as {
					changes[a.Status]++
				}
			}
		})
	}
	// The sequences must have exercised the calendar, or the check proves nothing.
	for _, s := range []dialogue.Status{dialogue.Confirmed, dialogue.Cancelled, dialogue.Rescheduled} {
		if changes[s] == 0 {
			t.Errorf("no appointment ended %s in any sequence: the property was not exercised", s)
		}
	}
	t.Logf("final statuses over all sequences: %v", changes)
}
