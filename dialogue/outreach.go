package dialogue

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"clinicsms/locales"
)

// ErrNothingToSend is returned when an outreach has no one to reach (for
// example, a reminder for a cancelled appointment).
var ErrNothingToSend = errors.New("nothing to send")

// ErrFrequencyCapped is returned when an automated text would exceed the
// configured frequency caps for the phone; nothing was sent.
var ErrFrequencyCapped = errors.New("frequency cap reached")

type automatedKey struct{}

// Automated marks ctx as carrying an automated send (a scheduled reminder,
// a broadcast): such sends count against the frequency caps. Replies,
// waitlist offers the patient asked for and sends a person triggers through
// the API are never capped.
func Automated(ctx context.Context) context.Context {
	return context.WithValue(ctx, automatedKey{}, true)
}

func isAutomated(ctx context.Context) bool {
	v, _ := ctx.Value(automatedKey{}).(bool)
	return v
}

// ErrSendFailed wraps a provider failure after the text was recorded as failed.
var ErrSendFailed = errors.New("send failed")

// SendReminder texts the appointment's patient a reminder now and waits for
// the reply. Opted-out numbers get nothing (ErrOptedOut).
func (e *Engine) SendReminder(ctx context.Context, apptID string) (Sent, error) {
	a, err := e.sched.Appointment(ctx, apptID)
	if err != nil {
		return Sent{}, err
	}
	if !a.Active() {
		return Sent{}, fmt.Errorf("appointment is %s: %w", a.Status, ErrNothingToSend)
	}
	p, err := e.sched.Patient(ctx, a.PatientID)
	if err != nil {
		return Sent{}, err
	}
	c, unlock, err := e.lockConversation(ctx, p.Phone)
	if err != nil {
		return Sent{}, err
	}
	defer unlock()
	if c.OptedOut {
		return Sent{}, ErrOptedOut
	}
	lang := replyLang([]Patient{p}, c.Language, "")
	s, err := e.deliver(ctx, &c, lang, locales.Reminder, map[string]any{
		"Name": firstName(p.Name), "Type": a.Type, "Provider": a.Provider, "When": e.when(a, lang),
	})
	if err != nil {
		return s, err
	}
	if c.State != Escalated {
		c.State, c.AppointmentID, c.Misunderstood, c.Offers, c.OfferSlotID = AwaitingReply, a.ID, 0, nil, ""
	}
	if !slices.Contains(c.Pending, a.ID) {
		c.Pending = append(c.Pending, a.ID)
		if len(c.Pending) > 5 { // unanswered reminders of long ago say nothing
			c.Pending = c.Pending[len(c.Pending)-5:]
		}
	}
	c.UpdatedAt = e.cfg.Now().UTC()
	if err := e.conv.SaveConversation(ctx, c); err != nil {
		return s, err
	}
	if c.OptedOut {
		return s, ErrOptedOut
	}
	return s, nil
}

// CancelByClinic cancels an appointment from the clinic's side, tells the
// patient and offers the freed slot to the waitlist.
func (e *Engine) CancelByClinic(ctx context.Context, apptID string) (Appointment, error) {
	a, freed, err := e.sched.Cancel(ctx, apptID)
	if err != nil {
		return Appointment{}, err
	}
	if p, err := e.sched.Patient(ctx, a.PatientID); err == nil {
		if err := e.notify(ctx, p, a, locales.ClinicCancelled); err != nil {
			e.log.Warn("notify clinic cancel", "appointment", a.ID, "err", err)
		}
	}
	if err := e.SlotFreed(ctx, freed); err != nil {
		e.log.Error("offer freed slot", "slot", freed.ID, "err", err)
	}
	return a, nil
}

func (e *Engine) notify(ctx context.Context, p Patient, a Appointment, key string) error {
	c, unlock, err := e.lockConversation(ctx, p.Phone)
	if err != nil {
		return err
	}
	defer unlock()
	lang := replyLang([]Patient{p}, c.Language, "")
	if _, err := e.deliver(ctx, &c, lang, key, map[string]any{"When": e.when(a, lang)}); err != nil {
		return err
	}
	if c.AppointmentID == a.ID && c.State != Escalated {
		c.State, c.Offers = Idle, nil
	}
	c.UpdatedAt = e.cfg.Now().UTC()
	return e.conv.SaveConversation(ctx, c)
}

// SlotFreed offers a freed slot to the best-placed waiting patients (same
// provider, type and location, whose appointment is later), a batch at a
// time in join order, skipping anyone it was offered to before. The first
// YES wins it (Schedule.Move decides atomically); when the batch expires
// unanswered, SweepOffers offers it to the next batch.
func (e *Engine) SlotFreed(ctx context.Context, s Slot) error {
	if !s.Start.After(e.cfg.Now()) {
		return nil
	}
	entries, err := e.sched.WaitlistFor(ctx, s)
	if err != nil {
		return fmt.Errorf("waitlist for slot: %w", err)
	}
	before, err := e.sched.Offered(ctx, s.ID)
	if err != nil {
		return err
	}
	var offered []string
	for _, w := range entries {
		if len(offered) >= e.cfg.WaitlistBatch {
			break
		}
		if before[w.AppointmentID] {
			continue
		}
		p, err := e.sched.Patient(ctx, w.PatientID)
		if err != nil {
			continue
		}
		ok, err := e.offer(ctx, p, w, s)
		if err != nil {
			e.log.Warn("waitlist offer", "slot", s.ID, "err", err)
			continue
		}
		if ok {
			offered = append(offered, w.AppointmentID)
		}
	}
	return e.sched.RecordOffers(ctx, s.ID, offered, e.cfg.Now().Add(e.cfg.OfferExpiry))
}

// SweepOffers moves expired offer batches on: a slot still open after its
// batch expired is offered to the next waiting patients. Safe to run in
// every replica: each expired slot is handled by one of them.
func (e *Engine) SweepOffers(ctx context.Context) (int, error) {
	due, err := e.sched.TakeDueOffers(ctx, e.cfg.Now())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range due {
		s, err := e.sched.Slot(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue // taken meanwhile
		}
		if err != nil {
			return n, err
		}
		if err := e.SlotFreed(ctx, s); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func (e *Engine) offer(ctx context.Context, p Patient, w WaitlistEntry, s Slot) (bool, error) {
	c, unlock, err := e.lockConversation(ctx, p.Phone)
	if err != nil {
		return false, err
	}
	defer unlock()
	// Busy or unreachable conversations are skipped: an escalated chat
	// belongs to a person, an open question must not be overwritten.
	if c.OptedOut || c.State == Escalated || c.State == ConfirmCancel || c.State == ChoosingSlot {
		return false, nil
	}
	lang := replyLang([]Patient{p}, c.Language, "")
	if _, err := e.deliver(ctx, &c, lang, locales.WaitlistOffer, map[string]any{
		"When": e.whenSlot(s, lang), "Provider": s.Provider,
	}); err != nil {
		return false, err
	}
	c.State, c.OfferSlotID, c.AppointmentID, c.Misunderstood = WaitlistOffer, s.ID, w.AppointmentID, 0
	c.UpdatedAt = e.cfg.Now().UTC()
	if err := e.conv.SaveConversation(ctx, c); err != nil {
		return false, err
	}
	return !c.OptedOut, nil
}

func firstName(name string) string {
	for i, r := range name {
		if r == ' ' {
			return name[:i]
		}
	}
	return name
}

// Announce sends one automated text that is not part of a dialogue (a
// broadcast) to a patient, in the patient's language: render is called with
// the chosen language and returns the text. The conversation's state is left
// as it is. Opted-out numbers get nothing (ErrOptedOut).
func (e *Engine) Announce(ctx context.Context, patientID, key string, render func(lang string) string) (Sent, error) {
	p, err := e.sched.Patient(ctx, patientID)
	if err != nil {
		return Sent{}, err
	}
	c, unlock, err := e.lockConversation(ctx, p.Phone)
	if err != nil {
		return Sent{}, err
	}
	defer unlock()
	if c.OptedOut {
		return Sent{}, ErrOptedOut
	}
	lang := replyLang([]Patient{p}, c.Language, "")
	s, err := e.deliverBody(ctx, &c, lang, key, render(lang))
	if c.OptedOut {
		// the carrier said so: remember it
		c.UpdatedAt = e.cfg.Now().UTC()
		if serr := e.conv.SaveConversation(ctx, c); serr != nil {
			return s, serr
		}
		return s, ErrOptedOut
	}
	return s, err
}

// RescheduleByStaff moves an appointment into an open slot for the clinic
// (staff in the inbox), tells the patient the new time, and offers the
// freed time to the waitlist. ErrSlotTaken when the slot went meanwhile.
func (e *Engine) RescheduleByStaff(ctx context.Context, apptID, slotID string) (Appointment, error) {
	moved, freed, err := e.sched.Move(ctx, apptID, slotID, e.cfg.NewID())
	if err != nil {
		return Appointment{}, err
	}
	if p, err := e.sched.Patient(ctx, moved.PatientID); err == nil {
		if err := e.notify(ctx, p, moved, locales.RescheduleDone); err != nil {
			e.log.Warn("notify staff reschedule", "appointment", moved.ID, "err", err)
		}
	}
	if err := e.sched.ClearOffers(ctx, slotID); err != nil {
		e.log.Warn("clear offers", "err", err)
	}
	if err := e.SlotFreed(ctx, freed); err != nil {
		e.log.Error("offer freed slot", "slot", freed.ID, "err", err)
	}
	return moved, nil
}
