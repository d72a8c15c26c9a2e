package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

// getRaw reads one JSON record and decodes it into v. It returns the raw
// string too, so a guarded write can check nobody changed it since.
// A missing key is dialogue.ErrNotFound.
func (s *Store) getRaw(ctx context.Context, key string, v any) (string, error) {
	raw, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", dialogue.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return "", fmt.Errorf("decode %T: %w", v, err)
	}
	return raw, nil
}

// getJSON reads one record; what names it in the error ("patient").
func getJSON[T any](ctx context.Context, s *Store, key, what string) (T, error) {
	var v T
	if _, err := s.getRaw(ctx, key, &v); err != nil {
		var zero T
		return zero, fmt.Errorf("get %s: %w", what, err)
	}
	return v, nil
}

// mgetJSON reads records of one hash tag in one round trip and decodes the
// ones that exist, in the order of keys.
func mgetJSON[T any](ctx context.Context, rdb redis.UniversalClient, keys []string) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	vals, err := rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(vals))
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted between index read and MGET
		}
		var t T
		if err := json.Unmarshal([]byte(str), &t); err != nil {
			return nil, fmt.Errorf("decode %T: %w", t, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Domain types hold only strings, numbers, bools and times.
		panic(fmt.Sprintf("store: encode %T: %v", v, err))
	}
	return string(b)
}

// guardRecord guards key: it must still hold raw, or be absent when raw is "".
func guardRecord(b *batch, key, raw string) {
	if raw == "" {
		b.absent(errStale, key)
		return
	}
	b.expect(errStale, key, raw)
}

// Patient returns the patient with id, or ErrNotFound.
func (s *Store) Patient(ctx context.Context, id string) (dialogue.Patient, error) {
	return getJSON[dialogue.Patient](ctx, s, s.patientKey(id), "patient")
}

// PutPatient creates or replaces a patient and keeps the phone index right
// when the phone changes.
func (s *Store) PutPatient(ctx context.Context, p dialogue.Patient) error {
	if p.ID == "" {
		return errors.New("put patient: empty id")
	}
	return retry(ctx, "put patient", func() error {
		var old dialogue.Patient
		raw, err := s.getRaw(ctx, s.patientKey(p.ID), &old)
		if err != nil && !errors.Is(err, dialogue.ErrNotFound) {
			return fmt.Errorf("put patient: %w", err)
		}
		var b batch
		guardRecord(&b, s.patientKey(p.ID), raw)
		b.set(s.patientKey(p.ID), encode(p))
		if raw != "" && old.Phone != p.Phone {
			b.srem(s.phoneKey(old.Phone), p.ID)
		}
		b.sadd(s.phoneKey(p.Phone), p.ID)
		return s.commit(ctx, &b)
	})
}

// PatientsByPhone returns the patients who share phone, ordered by id;
// none (and no error) for an unknown phone.
func (s *Store) PatientsByPhone(ctx context.Context, phone string) ([]dialogue.Patient, error) {
	ids, err := s.rdb.SMembers(ctx, s.phoneKey(phone)).Result()
	if err != nil {
		return nil, fmt.Errorf("patients by phone: %w", err)
	}
	slices.Sort(ids)
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.patientKey(id)
	}
	ps, err := mgetJSON[dialogue.Patient](ctx, s.rdb, keys)
	if err != nil {
		return nil, fmt.Errorf("patients by phone: %w", err)
	}
	return ps, nil
}

// Appointment returns the appointment with id, or ErrNotFound.
func (s *Store) Appointment(ctx context.Context, id string) (dialogue.Appointment, error) {
	return getJSON[dialogue.Appointment](ctx, s, s.apptKey(id), "appointment")
}

// PutAppointment creates or replaces an appointment; an empty status
// becomes booked. It returns ErrNotFound, and writes nothing, when
// a.PatientID is not a known patient (checked in the same script that
// writes). The store owns Waitlisted: a replaced appointment keeps its
// place on the waitlist while it stays active, and a.Waitlisted is
// otherwise ignored (JoinWaitlist records the join time).
func (s *Store) PutAppointment(ctx context.Context, a dialogue.Appointment) error {
	if a.ID == "" {
		return errors.New("put appointment: empty id")
	}
	if a.Status == "" {
		a.Status = dialogue.Booked
	}
	return retry(ctx, "put appointment", func() error {
		var old dialogue.Appointment
		raw, err := s.getRaw(ctx, s.apptKey(a.ID), &old)
		if err != nil && !errors.Is(err, dialogue.ErrNotFound) {
			return fmt.Errorf("put appointment: %w", err)
		}
		a.Waitlisted = raw != "" && old.Waitlisted && a.Active()

		var b batch
		b.exists(fmt.Errorf("put appointment: patient %q: %w", a.PatientID, dialogue.ErrNotFound), s.patientKey(a.PatientID))
		guardRecord(&b, s.apptKey(a.ID), raw)
		b.set(s.apptKey(a.ID), encode(a))
		if raw != "" && old.PatientID != a.PatientID {
			b.zrem(s.patientApptsKey(old.PatientID), a.ID)
		}
		b.zadd(s.patientApptsKey(a.PatientID), score(a.Start), a.ID)
		b.zadd(s.startsKey(), score(a.Start), a.ID)
		if !a.Waitlisted {
			b.zrem(s.waitKey(), a.ID)
		}
		return s.commit(ctx, &b)
	})
}

// AppointmentsByPatient returns the patient's appointments, oldest first
// (by start time), whatever their status; none for an unknown patient.
func (s *Store) AppointmentsByPatient(ctx context.Context, patientID string) ([]dialogue.Appointment, error) {
	ids, err := s.rdb.ZRange(ctx, s.patientApptsKey(patientID), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("appointments by patient: %w", err)
	}
	as, err := s.appointments(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("appointments by patient: %w", err)
	}
	return as, nil
}

func (s *Store) appointments(ctx context.Context, ids []string) ([]dialogue.Appointment, error) {
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.apptKey(id)
	}
	return mgetJSON[dialogue.Appointment](ctx, s.rdb, keys)
}

// Confirm marks an active appointment confirmed (a confirmed one stays
// so). ErrConflict when it is cancelled or rescheduled.
func (s *Store) Confirm(ctx context.Context, apptID string) (dialogue.Appointment, error) {
	var out dialogue.Appointment
	err := retry(ctx, "confirm", func() error {
		var a dialogue.Appointment
		raw, err := s.getRaw(ctx, s.apptKey(apptID), &a)
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		if !a.Active() {
			return fmt.Errorf("confirm %s appointment: %w", a.Status, dialogue.ErrConflict)
		}
		a.Status = dialogue.Confirmed
		var b batch
		b.expect(errStale, s.apptKey(apptID), raw)
		b.set(s.apptKey(apptID), encode(a))
		if err := s.commit(ctx, &b); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// Cancel marks an active appointment cancelled, removes it from the
// waitlist and opens its time as a slot (dialogue.SlotFrom), in one
// script. A cancelled or rescheduled appointment gives ErrConflict and
// nothing changes.
func (s *Store) Cancel(ctx context.Context, apptID string) (dialogue.Appointment, dialogue.Slot, error) {
	var (
		out   dialogue.Appointment
		freed dialogue.Slot
	)
	err := retry(ctx, "cancel", func() error {
		var a dialogue.Appointment
		raw, err := s.getRaw(ctx, s.apptKey(apptID), &a)
		if err != nil {
			return fmt.Errorf("cancel: %w", err)
		}
		if !a.Active() {
			return fmt.Errorf("cancel %s appointment: %w", a.Status, dialogue.ErrConflict)
		}
		slot := dialogue.SlotFrom(a)
		a.Status = dialogue.Cancelled
		a.Waitlisted = false

		var b batch
		b.expect(errStale, s.apptKey(apptID), raw)
		b.set(s.apptKey(apptID), encode(a))
		b.zrem(s.waitKey(), apptID)
		s.openSlot(&b, slot)
		if err := s.commit(ctx, &b); err != nil {
			return err
		}
		out, freed = a, slot
		return nil
	})
	return out, freed, err
}

// Move books slotID for the appointment's patient as a new confirmed
// appointment newID, marks the old one rescheduled (rescheduled_to newID),
// takes it off the waitlist and opens its old time as a slot, all in one
// script. ErrNotFound when the appointment is unknown; ErrSlotTaken when
// the slot is not open (taken, or never existed); ErrConflict when the
// appointment is not active or newID is already used. Of many concurrent
// moves into one slot exactly one wins; the others get ErrSlotTaken and
// change nothing.
func (s *Store) Move(ctx context.Context, apptID, slotID, newID string) (moved dialogue.Appointment, freed dialogue.Slot, err error) {
	if newID == "" || newID == apptID {
		return moved, freed, fmt.Errorf("move: new id %q: %w", newID, dialogue.ErrConflict)
	}
	err = retry(ctx, "move", func() error {
		// Both records in one round trip (same hash tag).
		raws, err := s.rdb.MGet(ctx, s.apptKey(apptID), s.slotKey(slotID)).Result()
		if err != nil {
			return fmt.Errorf("move: %w", err)
		}
		oldRaw, _ := raws[0].(string)
		slotRaw, _ := raws[1].(string)
		if oldRaw == "" {
			return fmt.Errorf("move: %w", dialogue.ErrNotFound)
		}
		if slotRaw == "" {
			return fmt.Errorf("move: %w", dialogue.ErrSlotTaken)
		}
		var (
			old  dialogue.Appointment
			slot dialogue.Slot
		)
		if err := json.Unmarshal([]byte(oldRaw), &old); err != nil {
			return fmt.Errorf("move: decode appointment: %w", err)
		}
		if err := json.Unmarshal([]byte(slotRaw), &slot); err != nil {
			return fmt.Errorf("move: decode slot: %w", err)
		}
		if !old.Active() {
			return fmt.Errorf("move %s appointment: %w", old.Status, dialogue.ErrConflict)
		}

		next := dialogue.Appointment{
			ID:              newID,
			PatientID:       old.PatientID,
			Provider:        slot.Provider,
			Location:        slot.Location,
			Type:            slot.Type,
			Start:           slot.Start,
			DurationMinutes: slot.DurationMinutes,
			Status:          dialogue.Confirmed,
			RescheduledFrom: old.ID,
		}
		open := dialogue.SlotFrom(old)
		old.Status = dialogue.Rescheduled
		old.RescheduledTo = newID
		old.Waitlisted = false

		var b batch
		b.zhas(fmt.Errorf("move: %w", dialogue.ErrSlotTaken), s.slotsKey(), slotID)
		b.expect(errStale, s.slotKey(slotID), slotRaw)
		b.expect(errStale, s.apptKey(apptID), oldRaw)
		b.absent(fmt.Errorf("move: appointment %q exists: %w", newID, dialogue.ErrConflict), s.apptKey(newID))

		b.zrem(s.slotsKey(), slotID)
		b.del(s.slotKey(slotID))
		b.set(s.apptKey(newID), encode(next))
		b.zadd(s.patientApptsKey(next.PatientID), score(next.Start), newID)
		b.zadd(s.startsKey(), score(next.Start), newID)
		b.set(s.apptKey(apptID), encode(old))
		b.zrem(s.waitKey(), apptID)
		s.openSlot(&b, open)
		if err := s.commit(ctx, &b); err != nil {
			return err
		}
		moved, freed = next, open
		return nil
	})
	return moved, freed, err
}

// Book books open slot slotID as a new confirmed appointment newID of
// patientID (a patient whose visit was cancelled wants a new time), in
// one script. ErrSlotTaken when the slot is not open; ErrNotFound when
// the patient is unknown; ErrConflict when newID is already used.
func (s *Store) Book(ctx context.Context, slotID, patientID, newID string) (dialogue.Appointment, error) {
	if newID == "" {
		return dialogue.Appointment{}, fmt.Errorf("book: empty new id: %w", dialogue.ErrConflict)
	}
	var out dialogue.Appointment
	err := retry(ctx, "book", func() error {
		var slot dialogue.Slot
		slotRaw, err := s.getRaw(ctx, s.slotKey(slotID), &slot)
		if errors.Is(err, dialogue.ErrNotFound) {
			return fmt.Errorf("book: %w", dialogue.ErrSlotTaken)
		}
		if err != nil {
			return fmt.Errorf("book: %w", err)
		}
		a := dialogue.Appointment{
			ID:              newID,
			PatientID:       patientID,
			Provider:        slot.Provider,
			Location:        slot.Location,
			Type:            slot.Type,
			Start:           slot.Start,
			DurationMinutes: slot.DurationMinutes,
			Status:          dialogue.Confirmed,
		}
		var b batch
		b.zhas(fmt.Errorf("book: %w", dialogue.ErrSlotTaken), s.slotsKey(), slotID)
		b.expect(errStale, s.slotKey(slotID), slotRaw)
		b.exists(fmt.Errorf("book: patient %q: %w", patientID, dialogue.ErrNotFound), s.patientKey(patientID))
		b.absent(fmt.Errorf("book: appointment %q exists: %w", newID, dialogue.ErrConflict), s.apptKey(newID))
		b.zrem(s.slotsKey(), slotID)
		b.del(s.slotKey(slotID))
		b.set(s.apptKey(newID), encode(a))
		b.zadd(s.patientApptsKey(patientID), score(a.Start), newID)
		b.zadd(s.startsKey(), score(a.Start), newID)
		if err := s.commit(ctx, &b); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// openSlot adds the writes that make sl an open slot.
func (s *Store) openSlot(b *batch, sl dialogue.Slot) {
	b.set(s.slotKey(sl.ID), encode(sl))
	b.zadd(s.slotsKey(), score(sl.Start), sl.ID)
}

// PutSlot creates or replaces an open slot.
func (s *Store) PutSlot(ctx context.Context, sl dialogue.Slot) error {
	if sl.ID == "" {
		return errors.New("put slot: empty id")
	}
	var b batch
	s.openSlot(&b, sl)
	if err := s.commit(ctx, &b); err != nil {
		return fmt.Errorf("put slot: %w", err)
	}
	return nil
}

// Slot returns the open slot with id; ErrNotFound once it is taken.
func (s *Store) Slot(ctx context.Context, id string) (dialogue.Slot, error) {
	return getJSON[dialogue.Slot](ctx, s, s.slotKey(id), "slot")
}

// Slots returns every open slot, earliest first.
func (s *Store) Slots(ctx context.Context) ([]dialogue.Slot, error) {
	sl, err := s.slotsFrom(ctx, "-inf")
	if err != nil {
		return nil, fmt.Errorf("slots: %w", err)
	}
	return sl, nil
}

// OpenSlots lists open slots of provider and type starting after from,
// earliest first, at most limit (limit <= 0: all).
func (s *Store) OpenSlots(ctx context.Context, provider, typ string, from time.Time, limit int) ([]dialogue.Slot, error) {
	all, err := s.slotsFrom(ctx, "("+score(from))
	if err != nil {
		return nil, fmt.Errorf("open slots: %w", err)
	}
	var out []dialogue.Slot
	for _, sl := range all {
		if sl.Provider != provider || sl.Type != typ || !sl.Start.After(from) {
			continue
		}
		out = append(out, sl)
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

func (s *Store) slotsFrom(ctx context.Context, min string) ([]dialogue.Slot, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.slotsKey(), &redis.ZRangeBy{Min: min, Max: "+inf"}).Result()
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = s.slotKey(id)
	}
	return mgetJSON[dialogue.Slot](ctx, s.rdb, keys)
}

// JoinWaitlist puts an active appointment on the waitlist, joined at at
// (now when zero). Joining again keeps the first place. ErrConflict when
// the appointment is not active.
func (s *Store) JoinWaitlist(ctx context.Context, apptID string, at time.Time) error {
	if at.IsZero() {
		at = s.now()
	}
	return retry(ctx, "join waitlist", func() error {
		var a dialogue.Appointment
		raw, err := s.getRaw(ctx, s.apptKey(apptID), &a)
		if err != nil {
			return fmt.Errorf("join waitlist: %w", err)
		}
		if !a.Active() {
			return fmt.Errorf("join waitlist with %s appointment: %w", a.Status, dialogue.ErrConflict)
		}
		if a.Waitlisted {
			return nil
		}
		a.Waitlisted = true
		var b batch
		b.expect(errStale, s.apptKey(apptID), raw)
		b.set(s.apptKey(apptID), encode(a))
		b.zadd(s.waitKey(), score(at), apptID)
		return s.commit(ctx, &b)
	})
}

// Waitlist returns everyone waiting, in join order.
func (s *Store) Waitlist(ctx context.Context) ([]dialogue.WaitlistEntry, error) {
	es, err := s.waitlist(ctx)
	if err != nil {
		return nil, fmt.Errorf("waitlist: %w", err)
	}
	return es, nil
}

// WaitlistFor lists waiting entries that could take sl: same provider,
// type and location, an active current appointment starting after sl, in
// join order.
func (s *Store) WaitlistFor(ctx context.Context, sl dialogue.Slot) ([]dialogue.WaitlistEntry, error) {
	all, err := s.waitlist(ctx)
	if err != nil {
		return nil, fmt.Errorf("waitlist for slot: %w", err)
	}
	var out []dialogue.WaitlistEntry
	for _, e := range all {
		if e.Provider == sl.Provider && e.Type == sl.Type && e.Location == sl.Location && e.Current.After(sl.Start) {
			out = append(out, e)
		}
	}
	return out, nil
}

// waitlist reads the waitlist with its appointments, skipping any that
// are no longer active and waitlisted.
func (s *Store) waitlist(ctx context.Context) ([]dialogue.WaitlistEntry, error) {
	zs, err := s.rdb.ZRangeWithScores(ctx, s.waitKey(), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(zs))
	joined := make(map[string]time.Time, len(zs))
	for i, z := range zs {
		id, _ := z.Member.(string)
		ids[i] = id
		joined[id] = time.UnixMilli(int64(z.Score))
	}
	as, err := s.appointments(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]dialogue.WaitlistEntry, 0, len(as))
	for _, a := range as {
		if !a.Active() || !a.Waitlisted {
			continue
		}
		out = append(out, dialogue.WaitlistEntry{
			AppointmentID: a.ID,
			PatientID:     a.PatientID,
			Provider:      a.Provider,
			Type:          a.Type,
			Location:      a.Location,
			Current:       a.Start,
			JoinedAt:      joined[a.ID],
		})
	}
	return out, nil
}

// OpenTask records a to-do for clinic staff. An empty ID gets a random
// one and a zero At the current time.
func (s *Store) OpenTask(ctx context.Context, t dialogue.Task) error {
	if t.ID == "" {
		t.ID = "task-" + strconv.FormatInt(s.now().UnixMilli(), 36) + "-" + randomHex(4)
	}
	if t.At.IsZero() {
		t.At = s.now()
	}
	if err := s.rdb.RPush(ctx, s.tasksKey(), encode(t)).Err(); err != nil {
		return fmt.Errorf("open task: %w", err)
	}
	return nil
}

// Tasks returns every staff task, oldest first.
func (s *Store) Tasks(ctx context.Context) ([]dialogue.Task, error) {
	vals, err := s.rdb.LRange(ctx, s.tasksKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	out := make([]dialogue.Task, 0, len(vals))
	for _, v := range vals {
		var t dialogue.Task
		if err := json.Unmarshal([]byte(v), &t); err != nil {
			return nil, fmt.Errorf("tasks: decode: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}
