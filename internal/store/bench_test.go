package store

import (
	"context"
	"strconv"
	"testing"
	"time"

	"clinicsms/dialogue"
)

// BenchmarkMove measures one reschedule: the read in Go plus the guarded
// script that books the slot and frees the old time.
func BenchmarkMove(b *testing.B) {
	ctx := context.Background()
	s := newTestStore(b)
	mustPatient(b, s, "p1", "+15550000001")
	for i := range b.N {
		id := strconv.Itoa(i)
		mustAppt(b, s, dialogue.Appointment{ID: "a" + id, PatientID: "p1", Start: at(1000 + i)})
		mustSlot(b, s, dialogue.Slot{ID: "s" + id, Start: base.Add(time.Duration(i) * time.Minute)})
	}
	b.ResetTimer()
	for i := range b.N {
		id := strconv.Itoa(i)
		if _, _, err := s.Move(ctx, "a"+id, "s"+id, "n"+id); err != nil {
			b.Fatalf("Move(a%s): %v", id, err)
		}
	}
}

// BenchmarkAppendMessage measures appending an outbound message with a
// sid (thread, conversation index and sid index).
func BenchmarkAppendMessage(b *testing.B) {
	ctx := context.Background()
	s := newTestStore(b)
	m := dialogue.Message{Direction: dialogue.Out, Body: "Your appointment is tomorrow at 9:00. Reply C to confirm.", At: base, Key: "reminder"}
	b.ResetTimer()
	for i := range b.N {
		m.SID = "SM" + strconv.Itoa(i)
		if err := s.AppendMessage(ctx, "+15550000001", m); err != nil {
			b.Fatalf("AppendMessage: %v", err)
		}
	}
}
