package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/internal/demo"
	"clinicsms/internal/store"
)

func TestSeedMakesALivingClinic(t *testing.T) {
	mr := miniredis.RunT(t)
	st := store.New(redis.NewClient(&redis.Options{Addr: mr.Addr()}), "demo")
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	zone, _ := time.LoadLocation("America/New_York")
	for i := 0; i < 2; i++ { // seeding twice is harmless
		if err := demo.Seed(ctx, st, now, zone); err != nil {
			t.Fatal(err)
		}
	}
	for _, phone := range []string{demo.MariaPhone, demo.JohnPhone} {
		ps, err := st.PatientsByPhone(ctx, phone)
		if err != nil || len(ps) != 1 {
			t.Fatalf("PatientsByPhone(%s) = %v, %v; want one patient", phone, ps, err)
		}
		as, err := st.AppointmentsByPatient(ctx, ps[0].ID)
		if err != nil || len(as) != 1 || as[0].Status != dialogue.Booked || !as[0].Start.After(now) {
			t.Errorf("appointments of %s = %+v, %v; want one future booked", ps[0].ID, as, err)
		}
	}
	slots, err := st.OpenSlots(ctx, "Dr. Patel", "checkup", now, 10)
	if err != nil || len(slots) < 3 {
		t.Errorf("OpenSlots = %d, %v; want at least 3 for rescheduling", len(slots), err)
	}
}
