package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
)

func TestPatientRoundTripAndPhoneIndex(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mom := mustPatient(t, s, "p-mom", "+15550000001")
	kid := mustPatient(t, s, "p-kid", "+15550000001")
	mustPatient(t, s, "p-other", "+15550000002")

	got, err := s.Patient(ctx, "p-mom")
	if err != nil || got != mom {
		t.Fatalf("Patient(p-mom) = %+v, %v; want %+v", got, err, mom)
	}
	ps, err := s.PatientsByPhone(ctx, "+15550000001")
	if err != nil || !reflect.DeepEqual(ps, []dialogue.Patient{kid, mom}) {
		t.Fatalf("PatientsByPhone(shared) = %+v, %v; want kid and mom", ps, err)
	}

	// The kid gets their own phone: the index follows.
	kid.Phone = "+15550000003"
	if err := s.PutPatient(ctx, kid); err != nil {
		t.Fatalf("PutPatient(kid, new phone): %v", err)
	}
	for _, tc := range []struct {
		phone string
		want  []dialogue.Patient
	}{
		{"+15550000001", []dialogue.Patient{mom}},
		{"+15550000003", []dialogue.Patient{kid}},
		{"+15559999999", nil},
	} {
		ps, err := s.PatientsByPhone(ctx, tc.phone)
		if err != nil || len(ps) != len(tc.want) || (len(ps) > 0 && !reflect.DeepEqual(ps, tc.want)) {
			t.Errorf("PatientsByPhone(%s) = %+v, %v; want %+v", tc.phone, ps, err, tc.want)
		}
	}
}

func TestUnknownIDs(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(48)})
	mustSlot(t, s, dialogue.Slot{ID: "s1", Start: at(2)})
	before := snapshot(t, s)

	for _, tc := range []struct {
		call string
		err  error
		want error
	}{
		{"Patient(nope)", second(s.Patient(ctx, "nope")), dialogue.ErrNotFound},
		{"Appointment(nope)", second(s.Appointment(ctx, "nope")), dialogue.ErrNotFound},
		{"Slot(nope)", second(s.Slot(ctx, "nope")), dialogue.ErrNotFound},
		{"Confirm(nope)", second(s.Confirm(ctx, "nope")), dialogue.ErrNotFound},
		{"Cancel(nope)", third(s.Cancel(ctx, "nope")), dialogue.ErrNotFound},
		{"Move(nope, s1)", third(s.Move(ctx, "nope", "s1", "n1")), dialogue.ErrNotFound},
		{"Move(a1, nope)", third(s.Move(ctx, "a1", "nope", "n1")), dialogue.ErrSlotTaken},
		{"JoinWaitlist(nope)", s.JoinWaitlist(ctx, "nope", base), dialogue.ErrNotFound},
		{"PutAppointment(unknown patient)", s.PutAppointment(ctx, dialogue.Appointment{ID: "a2", PatientID: "ghost", Start: at(5)}), dialogue.ErrNotFound},
		{"PutAppointment(a1 to unknown patient)", s.PutAppointment(ctx, dialogue.Appointment{ID: "a1", PatientID: "ghost", Start: at(5)}), dialogue.ErrNotFound},
		{"UpdateMessageStatus(nope)", s.UpdateMessageStatus(ctx, "SMnope", "delivered"), dialogue.ErrNotFound},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s error = %v, want %v", tc.call, tc.err, tc.want)
		}
	}
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("failed calls changed the store:\nbefore %v\nafter  %v", before, after)
	}
	as, err := s.AppointmentsByPatient(ctx, "ghost")
	if err != nil || len(as) != 0 {
		t.Errorf("AppointmentsByPatient(ghost) = %v, %v; want none", as, err)
	}
}

func second[T any](_ T, err error) error        { return err }
func third[T, U any](_ T, _ U, err error) error { return err }

func TestAppointmentRoundTripAndPatientIndex(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustPatient(t, s, "p2", "+15550000002")
	in := dialogue.Appointment{ID: "late", PatientID: "p1", Provider: "dr-lee", Location: "north", Type: "flu", Start: at(72), DurationMinutes: 15}
	if err := s.PutAppointment(ctx, in); err != nil {
		t.Fatalf("PutAppointment(late): %v", err)
	}
	got, err := s.Appointment(ctx, "late")
	in.Status = dialogue.Booked
	if err != nil || !sameAppt(got, in) {
		t.Fatalf("Appointment(late) = %+v, %v; want %+v", got, err, in)
	}
	mustAppt(t, s, dialogue.Appointment{ID: "early", PatientID: "p1", Start: at(24), Status: dialogue.Confirmed})
	mustAppt(t, s, dialogue.Appointment{ID: "mid", PatientID: "p1", Start: at(48)})
	if ids := apptIDs(t, s, "p1"); !reflect.DeepEqual(ids, []string{"early", "mid", "late"}) {
		t.Errorf("AppointmentsByPatient(p1) = %v, want oldest first", ids)
	}

	// Reassigning an appointment moves it between patients' indexes.
	mustAppt(t, s, dialogue.Appointment{ID: "mid", PatientID: "p2", Start: at(48)})
	if ids := apptIDs(t, s, "p1"); !reflect.DeepEqual(ids, []string{"early", "late"}) {
		t.Errorf("AppointmentsByPatient(p1) after reassign = %v", ids)
	}
	if ids := apptIDs(t, s, "p2"); !reflect.DeepEqual(ids, []string{"mid"}) {
		t.Errorf("AppointmentsByPatient(p2) after reassign = %v", ids)
	}

	// Replacing a waitlisted appointment keeps its place while active.
	if err := s.JoinWaitlist(ctx, "late", base); err != nil {
		t.Fatalf("JoinWaitlist(late): %v", err)
	}
	a := mustAppt(t, s, dialogue.Appointment{ID: "late", PatientID: "p1", Start: at(80)})
	if !a.Waitlisted || len(waitIDs(t, s)) != 1 {
		t.Errorf("replaced active appointment: waitlisted=%v waitlist=%v, want kept", a.Waitlisted, waitIDs(t, s))
	}
	a = mustAppt(t, s, dialogue.Appointment{ID: "late", PatientID: "p1", Start: at(80), Status: dialogue.Cancelled})
	if a.Waitlisted || len(waitIDs(t, s)) != 0 {
		t.Errorf("replaced with cancelled: waitlisted=%v waitlist=%v, want removed", a.Waitlisted, waitIDs(t, s))
	}
}

func sameAppt(a, b dialogue.Appointment) bool {
	ok := a.Start.Equal(b.Start)
	a.Start, b.Start = time.Time{}, time.Time{}
	return ok && a == b
}

func apptIDs(t *testing.T, s *Store, patientID string) []string {
	t.Helper()
	as, err := s.AppointmentsByPatient(context.Background(), patientID)
	if err != nil {
		t.Fatalf("AppointmentsByPatient(%s): %v", patientID, err)
	}
	ids := []string{}
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func waitIDs(t *testing.T, s *Store) []string {
	t.Helper()
	es, err := s.Waitlist(context.Background())
	if err != nil {
		t.Fatalf("Waitlist: %v", err)
	}
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.AppointmentID)
	}
	return ids
}

func TestConfirm(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(24)})
	for i := range 2 { // confirming twice is fine
		a, err := s.Confirm(ctx, "a1")
		if err != nil || a.Status != dialogue.Confirmed {
			t.Fatalf("Confirm(a1) #%d = %s, %v; want confirmed", i+1, a.Status, err)
		}
	}
	if a, _ := s.Appointment(ctx, "a1"); a.Status != dialogue.Confirmed {
		t.Errorf("Appointment(a1).Status = %s after Confirm, want confirmed", a.Status)
	}
	if _, _, err := s.Cancel(ctx, "a1"); err != nil {
		t.Fatalf("Cancel(a1): %v", err)
	}
	if _, err := s.Confirm(ctx, "a1"); !errors.Is(err, dialogue.ErrConflict) {
		t.Errorf("Confirm(cancelled) error = %v, want ErrConflict", err)
	}
}

func TestCancelTwice(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	orig := mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(24)})
	if err := s.JoinWaitlist(ctx, "a1", base); err != nil {
		t.Fatalf("JoinWaitlist(a1): %v", err)
	}

	a, freed, err := s.Cancel(ctx, "a1")
	if err != nil {
		t.Fatalf("Cancel(a1): %v", err)
	}
	if a.Status != dialogue.Cancelled || a.Waitlisted {
		t.Errorf("Cancel(a1) appointment = %+v, want cancelled and off the waitlist", a)
	}
	if want := dialogue.SlotFrom(orig); freed.ID != want.ID || !freed.Start.Equal(want.Start) || freed.Provider != want.Provider {
		t.Errorf("Cancel(a1) freed = %+v, want %+v", freed, want)
	}
	if got, err := s.Slot(ctx, freed.ID); err != nil || !got.Start.Equal(orig.Start) {
		t.Errorf("Slot(%s) = %+v, %v; want the freed time", freed.ID, got, err)
	}
	if ids := waitIDs(t, s); len(ids) != 0 {
		t.Errorf("Waitlist after Cancel = %v, want empty", ids)
	}
	stored, _ := s.Appointment(ctx, "a1")
	if !sameAppt(stored, a) {
		t.Errorf("Appointment(a1) = %+v, want %+v", stored, a)
	}

	before := snapshot(t, s)
	if _, _, err := s.Cancel(ctx, "a1"); !errors.Is(err, dialogue.ErrConflict) {
		t.Errorf("Cancel(a1) again error = %v, want ErrConflict", err)
	}
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("second Cancel changed the store:\nbefore %v\nafter  %v", before, after)
	}
}

func TestMove(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	old := mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Provider: "dr-lee", Location: "main", Type: "checkup", Start: at(72), DurationMinutes: 30})
	if err := s.JoinWaitlist(ctx, "a1", base); err != nil {
		t.Fatalf("JoinWaitlist(a1): %v", err)
	}
	slot := mustSlot(t, s, dialogue.Slot{ID: "s1", Provider: "dr-lee", Location: "annex", Type: "checkup-long", Start: at(3), DurationMinutes: 45})

	moved, freed, err := s.Move(ctx, "a1", "s1", "a2")
	if err != nil {
		t.Fatalf("Move(a1, s1, a2): %v", err)
	}
	want := dialogue.Appointment{ID: "a2", PatientID: "p1", Provider: "dr-lee", Location: "annex", Type: "checkup-long",
		Start: slot.Start, DurationMinutes: 45, Status: dialogue.Confirmed, RescheduledFrom: "a1"}
	if !sameAppt(moved, want) {
		t.Errorf("Move moved = %+v\nwant %+v", moved, want)
	}
	if got, err := s.Appointment(ctx, "a2"); err != nil || !sameAppt(got, want) {
		t.Errorf("Appointment(a2) = %+v, %v\nwant %+v", got, err, want)
	}
	wantOld := old
	wantOld.Status, wantOld.RescheduledTo, wantOld.Waitlisted = dialogue.Rescheduled, "a2", false
	if got, err := s.Appointment(ctx, "a1"); err != nil || !sameAppt(got, wantOld) {
		t.Errorf("Appointment(a1) = %+v, %v\nwant %+v", got, err, wantOld)
	}
	wantFreed := dialogue.SlotFrom(old)
	if freed.ID != wantFreed.ID || !freed.Start.Equal(old.Start) || freed.Location != "main" || freed.Type != "checkup" || freed.DurationMinutes != 30 {
		t.Errorf("Move freed = %+v, want %+v", freed, wantFreed)
	}
	if _, err := s.Slot(ctx, "s1"); !errors.Is(err, dialogue.ErrNotFound) {
		t.Errorf("Slot(s1) after Move error = %v, want ErrNotFound", err)
	}
	slots, err := s.Slots(ctx)
	if err != nil || len(slots) != 1 || slots[0].ID != wantFreed.ID {
		t.Errorf("Slots() after Move = %+v, %v; want only %s", slots, err, wantFreed.ID)
	}
	if ids := waitIDs(t, s); len(ids) != 0 {
		t.Errorf("Waitlist after Move = %v, want empty", ids)
	}
	if ids := apptIDs(t, s, "p1"); !reflect.DeepEqual(ids, []string{"a2", "a1"}) {
		t.Errorf("AppointmentsByPatient(p1) = %v, want [a2 a1]", ids)
	}
}

func TestMoveRefusals(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustPatient(t, s, "p2", "+15550000002")
	mustAppt(t, s, dialogue.Appointment{ID: "a1", PatientID: "p1", Start: at(72)})
	mustAppt(t, s, dialogue.Appointment{ID: "b1", PatientID: "p2", Start: at(96)})
	mustAppt(t, s, dialogue.Appointment{ID: "gone", PatientID: "p2", Start: at(100), Status: dialogue.Cancelled})
	mustSlot(t, s, dialogue.Slot{ID: "s1", Start: at(3)})
	mustSlot(t, s, dialogue.Slot{ID: "s2", Start: at(4)})
	if _, _, err := s.Move(ctx, "a1", "s1", "a2"); err != nil {
		t.Fatalf("Move(a1, s1): %v", err)
	}

	before := snapshot(t, s)
	for _, tc := range []struct {
		call              string
		appt, slot, newID string
		want              error
	}{
		{"Move(b1 into taken s1)", "b1", "s1", "b2", dialogue.ErrSlotTaken},
		{"Move(rescheduled a1)", "a1", "s2", "a3", dialogue.ErrConflict},
		{"Move(cancelled)", "gone", "s2", "g2", dialogue.ErrConflict},
		{"Move(b1 to existing id a2)", "b1", "s2", "a2", dialogue.ErrConflict},
		{"Move(b1 to its own id)", "b1", "s2", "b1", dialogue.ErrConflict},
	} {
		if _, _, err := s.Move(ctx, tc.appt, tc.slot, tc.newID); !errors.Is(err, tc.want) {
			t.Errorf("%s error = %v, want %v", tc.call, err, tc.want)
		}
	}
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("refused moves changed the store:\nbefore %v\nafter  %v", before, after)
	}
}

func TestBook(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	mustPatient(t, s, "p1", "+15550000001")
	mustAppt(t, s, dialogue.Appointment{ID: "old", PatientID: "p1", Start: at(72)})
	mustSlot(t, s, dialogue.Slot{ID: "s1", Location: "annex", Start: at(5), DurationMinutes: 20})
	mustSlot(t, s, dialogue.Slot{ID: "s2", Start: at(6)})

	got, err := s.Book(ctx, "s1", "p1", "new")
	want := dialogue.Appointment{ID: "new", PatientID: "p1", Provider: "dr-lee", Location: "annex", Type: "checkup", Start: at(5), DurationMinutes: 20, Status: dialogue.Confirmed}
	if err != nil || !sameAppt(got, want) {
		t.Fatalf("Book(s1, p1, new) = %+v, %v\nwant %+v", got, err, want)
	}
	if stored, err := s.Appointment(ctx, "new"); err != nil || !sameAppt(stored, want) {
		t.Errorf("Appointment(new) = %+v, %v; want %+v", stored, err, want)
	}
	if ids := apptIDs(t, s, "p1"); !reflect.DeepEqual(ids, []string{"new", "old"}) {
		t.Errorf("AppointmentsByPatient(p1) = %v, want [new old]", ids)
	}
	if _, err := s.Slot(ctx, "s1"); !errors.Is(err, dialogue.ErrNotFound) {
		t.Errorf("Slot(s1) after Book error = %v, want ErrNotFound", err)
	}

	before := snapshot(t, s)
	for _, tc := range []struct {
		call                 string
		slot, patient, newID string
		want                 error
	}{
		{"Book(taken s1)", "s1", "p1", "n2", dialogue.ErrSlotTaken},
		{"Book(unknown patient)", "s2", "ghost", "n2", dialogue.ErrNotFound},
		{"Book(existing id)", "s2", "p1", "old", dialogue.ErrConflict},
	} {
		if _, err := s.Book(ctx, tc.slot, tc.patient, tc.newID); !errors.Is(err, tc.want) {
			t.Errorf("%s error = %v, want %v", tc.call, err, tc.want)
		}
	}
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("refused bookings changed the store:\nbefore %v\nafter  %v", before, after)
	}
}

// TestMoveRace moves 50 waitlisted appointments into one slot at once:
// exactly one wins.
func TestMoveRace(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	const n = 50
	orig := make([]dialogue.Appointment, n)
	for i := range n {
		pid := fmt.Sprintf("p%02d", i)
		mustPatient(t, s, pid, fmt.Sprintf("+1555000%04d", i))
		orig[i] = mustAppt(t, s, dialogue.Appointment{ID: "a" + pid, PatientID: pid, Start: at(100 + i)})
		if err := s.JoinWaitlist(ctx, orig[i].ID, base.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatalf("JoinWaitlist(%s): %v", orig[i].ID, err)
		}
		orig[i].Waitlisted = true
	}
	mustSlot(t, s, dialogue.Slot{ID: "hot", Start: at(2)})

	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			_, _, errs[i] = s.Move(ctx, orig[i].ID, "hot", "new-"+orig[i].ID)
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("Move(%s) and Move(%s) both won", orig[winner].ID, orig[i].ID)
		case err == nil:
			winner = i
		case !errors.Is(err, dialogue.ErrSlotTaken):
			t.Errorf("Move(%s) error = %v, want nil or ErrSlotTaken", orig[i].ID, err)
		}
	}
	if winner < 0 {
		t.Fatal("no Move won the slot")
	}
	if _, err := s.Slot(ctx, "hot"); !errors.Is(err, dialogue.ErrNotFound) {
		t.Errorf("Slot(hot) error = %v, want ErrNotFound", err)
	}
	for i, o := range orig {
		got, err := s.Appointment(ctx, o.ID)
		if err != nil {
			t.Fatalf("Appointment(%s): %v", o.ID, err)
		}
		if i == winner {
			if got.Status != dialogue.Rescheduled || got.RescheduledTo != "new-"+o.ID {
				t.Errorf("winner %s = %+v, want rescheduled to new-%s", o.ID, got, o.ID)
			}
			continue
		}
		if !sameAppt(got, o) {
			t.Errorf("loser %s = %+v, want untouched %+v", o.ID, got, o)
		}
		if _, err := s.Appointment(ctx, "new-"+o.ID); !errors.Is(err, dialogue.ErrNotFound) {
			t.Errorf("Appointment(new-%s) error = %v, want ErrNotFound", o.ID, err)
		}
	}
	if ids := waitIDs(t, s); len(ids) != n-1 {
		t.Errorf("Waitlist has %d entries, want %d losers", len(ids), n-1)
	}
	slots, _ := s.Slots(ctx)
	if len(slots) != 1 || slots[0].ID != "freed-"+orig[winner].ID {
		t.Errorf("Slots() = %+v, want only the winner's freed time", slots)
	}
}

func TestWaitlistFor(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	slot := dialogue.Slot{ID: "s1", Provider: "dr-lee", Location: "main", Type: "checkup", Start: at(10), DurationMinutes: 30}
	for _, tc := range []struct {
		id               string
		provider, loc, t string
		start            time.Time
		joined           int // minutes after base: join order differs from creation order
		status           dialogue.Status
	}{
		{"second", "dr-lee", "main", "checkup", at(50), 20, ""},
		{"first", "dr-lee", "main", "checkup", at(90), 10, dialogue.Confirmed},
		{"third", "dr-lee", "main", "checkup", at(11), 30, ""},
		{"other-provider", "dr-kim", "main", "checkup", at(50), 1, ""},
		{"other-type", "dr-lee", "main", "surgery", at(50), 2, ""},
		{"other-location", "dr-lee", "north", "checkup", at(50), 3, ""},
		{"earlier", "dr-lee", "main", "checkup", at(5), 4, ""},
		{"same-time", "dr-lee", "main", "checkup", at(10), 5, ""},
		{"cancelled", "dr-lee", "main", "checkup", at(60), 6, ""},
	} {
		mustPatient(t, s, "p-"+tc.id, "+15550000001")
		mustAppt(t, s, dialogue.Appointment{ID: tc.id, PatientID: "p-" + tc.id, Provider: tc.provider, Location: tc.loc, Type: tc.t, Start: tc.start, Status: tc.status})
		if err := s.JoinWaitlist(ctx, tc.id, base.Add(time.Duration(tc.joined)*time.Minute)); err != nil {
			t.Fatalf("JoinWaitlist(%s): %v", tc.id, err)
		}
	}
	if _, _, err := s.Cancel(ctx, "cancelled"); err != nil {
		t.Fatalf("Cancel(cancelled): %v", err)
	}
	// Joining again keeps the first place.
	if err := s.JoinWaitlist(ctx, "first", base.Add(time.Hour)); err != nil {
		t.Fatalf("JoinWaitlist(first) again: %v", err)
	}
	if err := s.JoinWaitlist(ctx, "cancelled", base); !errors.Is(err, dialogue.ErrConflict) {
		t.Errorf("JoinWaitlist(cancelled) error = %v, want ErrConflict", err)
	}

	es, err := s.WaitlistFor(ctx, slot)
	if err != nil {
		t.Fatalf("WaitlistFor(s1): %v", err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.AppointmentID)
	}
	if want := []string{"first", "second", "third"}; !reflect.DeepEqual(got, want) {
		t.Errorf("WaitlistFor(s1) = %v, want %v", got, want)
	}
	if len(es) > 0 {
		e := es[0]
		want := dialogue.WaitlistEntry{AppointmentID: "first", PatientID: "p-first", Provider: "dr-lee", Type: "checkup", Location: "main", Current: at(90), JoinedAt: base.Add(10 * time.Minute)}
		if e.AppointmentID != want.AppointmentID || e.PatientID != want.PatientID || e.Provider != want.Provider || e.Type != want.Type ||
			e.Location != want.Location || !e.Current.Equal(want.Current) || !e.JoinedAt.Equal(want.JoinedAt) {
			t.Errorf("WaitlistFor(s1)[0] = %+v, want %+v", e, want)
		}
	}
	if ids := waitIDs(t, s); len(ids) != 8 || ids[0] != "other-provider" {
		t.Errorf("Waitlist() = %v, want 8 entries in join order", ids)
	}
}

func TestOpenSlots(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	for _, sl := range []dialogue.Slot{
		{ID: "late", Start: at(30)},
		{ID: "early", Start: at(2)},
		{ID: "mid", Start: at(20)},
		{ID: "past", Start: at(-5)},
		{ID: "at-from", Start: at(0)},
		{ID: "kim", Provider: "dr-kim", Start: at(3)},
		{ID: "surgery", Type: "surgery", Start: at(4)},
	} {
		mustSlot(t, s, sl)
	}
	for _, tc := range []struct {
		limit int
		want  []string
	}{
		{0, []string{"early", "mid", "late"}},
		{2, []string{"early", "mid"}},
	} {
		sl, err := s.OpenSlots(ctx, "dr-lee", "checkup", base, tc.limit)
		var got []string
		for _, x := range sl {
			got = append(got, x.ID)
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("OpenSlots(dr-lee, checkup, base, %d) = %v, %v; want %v", tc.limit, got, err, tc.want)
		}
	}
	all, err := s.Slots(ctx)
	if err != nil || len(all) != 7 || all[0].ID != "past" || all[6].ID != "late" {
		t.Errorf("Slots() = %+v, %v; want 7 earliest first", all, err)
	}
	got, err := s.Slot(ctx, "kim")
	if want := (dialogue.Slot{ID: "kim", Provider: "dr-kim", Location: "main", Type: "checkup", Start: at(3), DurationMinutes: 30}); err != nil || got.ID != want.ID || got.Provider != want.Provider || !got.Start.Equal(want.Start) || got.DurationMinutes != 30 {
		t.Errorf("Slot(kim) = %+v, %v; want %+v", got, err, want)
	}
}

func TestTasks(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	s.now = func() time.Time { return base }
	in := []dialogue.Task{
		{ID: "t1", Phone: "+15550000001", AppointmentID: "a1", Kind: "bare_cancel", Note: "texted CANCEL", At: at(1)},
		{Phone: "+15550000002", Kind: "question", Note: "parking?"},
	}
	for _, tk := range in {
		if err := s.OpenTask(ctx, tk); err != nil {
			t.Fatalf("OpenTask(%s): %v", tk.Kind, err)
		}
	}
	got, err := s.Tasks(ctx)
	if err != nil || len(got) != 2 {
		t.Fatalf("Tasks() = %+v, %v; want 2", got, err)
	}
	if got[0].ID != "t1" || got[0].AppointmentID != "a1" || !got[0].At.Equal(at(1)) {
		t.Errorf("Tasks()[0] = %+v, want %+v", got[0], in[0])
	}
	if got[1].ID == "" || !got[1].At.Equal(base) || got[1].Kind != "question" {
		t.Errorf("Tasks()[1] = %+v, want a generated id and At = now", got[1])
	}
}
