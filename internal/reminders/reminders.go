// Package reminders sends appointment reminders at configured lead times
// (SPEC §6): never in quiet hours of the location's time zone (deferred,
// not dropped), exactly once per appointment and lead time however many
// gateway replicas tick at once and however often they restart, and not
// to opted-out numbers or for cancelled appointments.
//
// Every replica runs a Scheduler. Each tick reads the appointments that
// start within the largest lead time, decides for each (Config.Decide, a
// pure function of the appointment and the clock) which reminder is due,
// and takes a claim on it in the store before sending. The claim, not the
// clock, is what makes a reminder go out once.
//
// # Delivery guarantee
//
// A claim is a lease (Config.Lease). The holder sends and then finishes
// the claim with an outcome, which is kept until after the appointment:
// a finished reminder is never sent again, by anyone. A holder that dies
// between taking the claim and finishing it leaves a lease that lapses,
// after which another replica takes over and sends: if the first one died
// after the provider accepted the text, the patient gets it twice. That is
// the trade-off chosen: a reminder that is never sent costs a clinic a
// no-show, a duplicate costs one extra text, and the window is the few
// hundred milliseconds between the provider's answer and the finishing
// write. A live holder never loses its lease to a slow send: sends run
// with a deadline of half the lease.
//
// Outcomes: "sent"; "opted_out" and "inactive" (the engine refused:
// dialogue.ErrOptedOut, dialogue.ErrNothingToSend) and "not_found" are
// final and never retried; a provider failure (dialogue.ErrSendFailed)
// releases the claim for the next tick, until MaxAttempts sends failed,
// then the reminder is finished as "failed". Other errors before anything
// reached the provider (the conversation lock stayed busy, Redis hiccups)
// release it without counting: a replica killed mid-send leaves the
// patient's conversation locked for up to 30 s, and that must not use up
// the attempts of the replica taking over. An error after the text went
// out (the engine could not record it) is finished as "sent": retrying it
// would text the patient again.
package reminders

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"clinicsms/dialogue"
)

// Store is what the scheduler needs from the schedule: appointments by
// start time and reminder claims. internal/store satisfies it.
type Store interface {
	// AppointmentsBetween returns appointments with start in [from, to),
	// earliest first, whatever their status.
	AppointmentsBetween(ctx context.Context, from, to time.Time) ([]dialogue.Appointment, error)
	// RemindersDone reports for each appointment whether its reminder for
	// lead is finished.
	RemindersDone(ctx context.Context, as []dialogue.Appointment, lead time.Duration) ([]bool, error)
	// ClaimReminder takes a's reminder for lead for at most lease. Exactly
	// one concurrent caller gets a non-empty token; failures counts its
	// failed sends so far.
	ClaimReminder(ctx context.Context, a dialogue.Appointment, lead, lease time.Duration) (token string, failures int, err error)
	// FinishReminder marks the claimed reminder done for good.
	FinishReminder(ctx context.Context, a dialogue.Appointment, lead time.Duration, token, outcome string) error
	// ReleaseReminder gives the claim back so a later tick tries again;
	// failed counts a failed send.
	ReleaseReminder(ctx context.Context, a dialogue.Appointment, lead time.Duration, token string, failed bool) error
}

// Sender texts one reminder now. *dialogue.Engine satisfies it. It returns
// a zero Sent when nothing reached the provider.
type Sender interface {
	SendReminder(ctx context.Context, apptID string) (dialogue.Sent, error)
}

// Defaults of Config.
const (
	DefaultTick        = 30 * time.Second
	DefaultLease       = 2 * time.Minute
	DefaultMinNotice   = time.Hour
	DefaultMaxAttempts = 5
	DefaultQuietStart  = 21 * time.Hour
	DefaultQuietEnd    = 8 * time.Hour
)

// DefaultLeadTimes are the lead times used when Config.LeadTimes is nil.
func DefaultLeadTimes() []time.Duration { return []time.Duration{72 * time.Hour, 24 * time.Hour} }

// Config tunes the scheduler. Zero values take the defaults above, except
// quiet hours: QuietStart == QuietEnd means none, so callers set them
// (the gateway's QUIET_HOURS defaults to 21:00-08:00).
type Config struct {
	// LeadTimes are how long before the start reminders go out. New sorts
	// them largest first. nil: DefaultLeadTimes; empty non-nil: none.
	LeadTimes []time.Duration
	// QuietStart and QuietEnd are offsets from local midnight (wall
	// clock); QuietStart > QuietEnd runs over midnight.
	QuietStart, QuietEnd time.Duration
	// Zone gives a location's time zone (nil or a nil result: UTC).
	Zone func(location string) *time.Location
	// Tick is how often Run runs a pass.
	Tick time.Duration
	// Now is the clock.
	Now func() time.Time
	// Lease is how long a claim is held before another replica may take
	// it over; a send gets half of it.
	Lease time.Duration
	// MinNotice: no reminder goes out less than this before the start.
	MinNotice time.Duration
	// MaxAttempts bounds the failed sends (provider errors) of one
	// reminder before it is given up.
	MaxAttempts int
}

func (c Config) withDefaults() Config {
	if c.LeadTimes == nil {
		c.LeadTimes = DefaultLeadTimes()
	}
	leads := make([]time.Duration, 0, len(c.LeadTimes))
	for _, l := range c.LeadTimes {
		if l > 0 {
			leads = append(leads, l)
		}
	}
	slices.SortFunc(leads, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	leads = slices.Compact(leads)
	c.LeadTimes = leads
	if c.Zone == nil {
		c.Zone = func(string) *time.Location { return time.UTC }
	}
	if c.Tick <= 0 {
		c.Tick = DefaultTick
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.MinNotice <= 0 {
		c.MinNotice = DefaultMinNotice
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	return c
}

// Report counts what one Tick did.
type Report struct {
	Sent     int // reminders texted
	Deferred int // due, waiting for quiet hours to end
	Skipped  int // finished without a text: opted out, cancelled, unknown
	Failed   int // provider or store failures (retried next tick up to MaxAttempts)
}

// Scheduler sends due reminders. Run one per process; any number of
// processes may share a store.
type Scheduler struct {
	st   Store
	send Sender
	cfg  Config
	log  *slog.Logger
}

// New returns a scheduler over st that texts through send.
func New(st Store, send Sender, cfg Config, log *slog.Logger) *Scheduler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{st: st, send: send, cfg: cfg.withDefaults(), log: log}
}

// Config returns the configuration in effect (defaults filled in).
func (s *Scheduler) Config() Config { return s.cfg }

// Run ticks every Config.Tick, the first time at once, until ctx ends. A
// send in flight when ctx ends is finished first.
func (s *Scheduler) Run(ctx context.Context) {
	if len(s.cfg.LeadTimes) == 0 {
		s.log.Info("reminder scheduler off: no lead times")
		return
	}
	s.log.Info("reminder scheduler running", "lead_times", s.cfg.LeadTimes, "tick", s.cfg.Tick)
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		r, err := s.Tick(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("reminder tick", "err", err)
		}
		if r != (Report{}) {
			s.log.Info("reminder tick", "sent", r.Sent, "deferred", r.Deferred, "skipped", r.Skipped, "failed", r.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// due is one reminder a tick means to send.
type due struct {
	a    dialogue.Appointment
	lead time.Duration
}

// Tick makes one pass: every reminder due now and not done is sent (or
// counted deferred in quiet hours). It stops early, without error, when
// ctx ends.
func (s *Scheduler) Tick(ctx context.Context) (Report, error) {
	var r Report
	if len(s.cfg.LeadTimes) == 0 {
		return r, nil
	}
	now := s.cfg.Now()
	// Anything Decide may send or defer starts at least MinNotice and at
	// most the largest lead time from now.
	as, err := s.st.AppointmentsBetween(ctx, now.Add(s.cfg.MinNotice), now.Add(s.cfg.LeadTimes[0]+time.Nanosecond))
	if err != nil {
		return r, err
	}
	byLead := map[time.Duration][]dialogue.Appointment{}
	action := map[string]Action{}
	for _, a := range as {
		d := s.cfg.Decide(a, now)
		if d.Action == Send || d.Action == Deferred {
			byLead[d.Lead] = append(byLead[d.Lead], a)
			action[a.ID] = d.Action
		}
	}
	var todo []due
	for _, lead := range s.cfg.LeadTimes {
		group := byLead[lead]
		if len(group) == 0 {
			continue
		}
		done, err := s.st.RemindersDone(ctx, group, lead)
		if err != nil {
			return r, err
		}
		for i, a := range group {
			switch {
			case done[i]:
			case action[a.ID] == Deferred:
				r.Deferred++
			default:
				todo = append(todo, due{a, lead})
			}
		}
	}
	// Earliest appointments first, as AppointmentsBetween ordered them.
	slices.SortStableFunc(todo, func(x, y due) int { return x.a.Start.Compare(y.a.Start) })
	var errs []error
	for _, d := range todo {
		if ctx.Err() != nil {
			break
		}
		if err := s.remind(ctx, d, &r); err != nil {
			errs = append(errs, err)
		}
	}
	return r, errors.Join(errs...)
}

// remind claims one reminder, sends it and settles the claim.
func (s *Scheduler) remind(ctx context.Context, d due, r *Report) error {
	tok, failures, err := s.st.ClaimReminder(ctx, d.a, d.lead, s.cfg.Lease)
	if err != nil {
		r.Failed++
		return err
	}
	if tok == "" {
		return nil // another replica holds it, or just finished it
	}
	// The send and the settling write outlive ctx: a shutdown waits for
	// the text in flight rather than leave its claim to lapse.
	bg := context.WithoutCancel(ctx)
	sendCtx, cancel := context.WithTimeout(bg, s.cfg.Lease/2)
	sent, err := s.send.SendReminder(sendCtx, d.a.ID)
	cancel()
	outcome, failed := "", false
	switch {
	case err == nil:
		outcome = "sent"
		r.Sent++
	case errors.Is(err, dialogue.ErrOptedOut):
		outcome = "opted_out"
		r.Skipped++
	case errors.Is(err, dialogue.ErrNothingToSend):
		outcome = "inactive"
		r.Skipped++
	case errors.Is(err, dialogue.ErrNotFound):
		outcome = "not_found"
		r.Skipped++
	case errors.Is(err, dialogue.ErrFrequencyCapped):
		// The phone had its share of automated texts: this reminder is
		// skipped, not queued up to arrive late.
		outcome = "capped"
		r.Skipped++
	case sent.Key != "" && !errors.Is(err, dialogue.ErrSendFailed):
		// The provider took the text; recording it failed. Do not text again.
		outcome = "sent"
		r.Sent++
		s.log.Error("reminder sent but not recorded", "appointment", d.a.ID, "lead", d.lead, "err", err)
	case errors.Is(err, dialogue.ErrSendFailed):
		r.Failed++
		failed = true
		if failures+1 >= s.cfg.MaxAttempts {
			outcome = "failed"
			s.log.Error("reminder given up", "appointment", d.a.ID, "lead", d.lead, "attempts", failures+1, "err", err)
		} else {
			s.log.Warn("reminder send failed; will retry", "appointment", d.a.ID, "lead", d.lead, "attempt", failures+1, "err", err)
		}
	default: // nothing reached the provider: try again next tick
		r.Failed++
		s.log.Warn("reminder not sent; will retry", "appointment", d.a.ID, "lead", d.lead, "err", err)
	}
	settleCtx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if outcome == "" {
		if rerr := s.st.ReleaseReminder(settleCtx, d.a, d.lead, tok, failed); rerr != nil {
			s.log.Warn("release reminder", "appointment", d.a.ID, "lead", d.lead, "err", rerr)
		}
		return nil // counted in Failed and logged; the next tick retries
	}
	if ferr := s.st.FinishReminder(settleCtx, d.a, d.lead, tok, outcome); ferr != nil {
		// The lease lapsed (or Redis failed): another replica may send it again.
		s.log.Error("finish reminder", "appointment", d.a.ID, "lead", d.lead, "outcome", outcome, "err", ferr)
		return ferr
	}
	s.log.Info("reminder", "appointment", d.a.ID, "lead", d.lead, "outcome", outcome)
	return nil
}
