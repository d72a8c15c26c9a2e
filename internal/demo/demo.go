// Package demo seeds a small demo clinic so a fresh `make run` shows a
// living system: one provider, open slots, two patients with appointments.
package demo

import (
	"context"
	"fmt"
	"time"

	"clinicsms/dialogue"
)

// Store is what seeding needs.
type Store interface {
	PutPatient(ctx context.Context, p dialogue.Patient) error
	PutAppointment(ctx context.Context, a dialogue.Appointment) error
	PutSlot(ctx context.Context, s dialogue.Slot) error
}

// Demo phone numbers (555-01xx numbers are reserved for fiction).
const (
	MariaPhone = "+15550100001"
	JohnPhone  = "+15550100002"
)

// Seed writes the demo clinic relative to now in zone. Seeding twice
// overwrites the same ids.
func Seed(ctx context.Context, st Store, now time.Time, zone *time.Location) error {
	day := func(d, h, m int) time.Time {
		t := now.In(zone).AddDate(0, 0, d)
		return time.Date(t.Year(), t.Month(), t.Day(), h, m, 0, 0, zone).UTC()
	}
	const prov, loc, typ = "Dr. Patel", "main", "checkup"
	patients := []dialogue.Patient{
		{ID: "demo-maria", Phone: MariaPhone, Name: "Maria Lopez", Language: "es"},
		{ID: "demo-john", Phone: JohnPhone, Name: "John Smith", Language: "en"},
	}
	for _, p := range patients {
		if err := st.PutPatient(ctx, p); err != nil {
			return err
		}
	}
	appts := []dialogue.Appointment{
		{ID: "demo-appt-1", PatientID: "demo-maria", Provider: prov, Location: loc, Type: typ, Start: day(3, 10, 30), DurationMinutes: 30, Status: dialogue.Booked},
		{ID: "demo-appt-2", PatientID: "demo-john", Provider: prov, Location: loc, Type: typ, Start: day(5, 9, 0), DurationMinutes: 30, Status: dialogue.Booked},
	}
	for _, a := range appts {
		if err := st.PutAppointment(ctx, a); err != nil {
			return err
		}
	}
	for i, d := range []struct{ day, h, m int }{{1, 14, 0}, {2, 9, 30}, {2, 16, 0}, {4, 11, 0}} {
		s := dialogue.Slot{ID: fmt.Sprintf("demo-slot-%d", i+1), Provider: prov, Location: loc, Type: typ, Start: day(d.day, d.h, d.m), DurationMinutes: 30}
		if err := st.PutSlot(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
