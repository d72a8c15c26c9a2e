package dialogue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/locales"
)

func TestRescheduleByStaff(t *testing.T) {
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	st := testStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const phone = "+15550009101"
	if err := st.PutPatient(ctx, dialogue.Patient{ID: "p", Phone: phone, Name: "Ana Test", Language: "es"}); err != nil {
		t.Fatal(err)
	}
	a := dialogue.Appointment{ID: "a", PatientID: "p", Provider: "Dr. P", Location: "main", Type: "checkup", Start: now.Add(96 * time.Hour), DurationMinutes: 30}
	if err := st.PutAppointment(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.PutSlot(ctx, dialogue.Slot{ID: "s", Provider: "Dr. P", Location: "main", Type: "checkup", Start: now.Add(50 * time.Hour), DurationMinutes: 30}); err != nil {
		t.Fatal(err)
	}
	eng := dialogue.NewEngine(st, st, &countingSender{n: map[string]int{}}, stubReader{}, texts,
		dialogue.Config{Clinic: dialogue.Clinic{Name: "C", Zone: time.UTC}, Now: func() time.Time { return now }}, nil)
	moved, err := eng.RescheduleByStaff(ctx, "a", "s")
	if err != nil {
		t.Fatal(err)
	}
	if !moved.Start.Equal(now.Add(50*time.Hour)) || moved.PatientID != "p" {
		t.Errorf("moved = %+v", moved)
	}
	old, _ := st.Appointment(ctx, "a")
	if old.Status != dialogue.Rescheduled || old.RescheduledTo != moved.ID {
		t.Errorf("old = %+v, want rescheduled to %s", old, moved.ID)
	}
	if _, err := st.Slot(ctx, dialogue.SlotFrom(old).ID); err != nil {
		t.Errorf("old time not freed: %v", err)
	}
	ms, _ := st.Messages(ctx, phone)
	if len(ms) != 1 || ms[0].Key != locales.RescheduleDone || ms[0].Lang != "es" {
		t.Errorf("patient told %+v, want reschedule.done in es", ms)
	}
	if _, err := eng.RescheduleByStaff(ctx, moved.ID, "s"); !errors.Is(err, dialogue.ErrSlotTaken) {
		t.Errorf("second move into the same slot: %v, want ErrSlotTaken", err)
	}
}
