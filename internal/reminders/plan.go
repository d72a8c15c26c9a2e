package reminders

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"clinicsms/dialogue"
)

// Action is what the scheduler does about one appointment at one moment.
type Action int

// Actions, as Decide returns them.
const (
	// NotDue: no lead time has been reached yet (or the appointment has started).
	NotDue Action = iota
	// Send: send the reminder for Decision.Lead now (unless it is done).
	Send
	// Deferred: the reminder for Decision.Lead is due, but it is quiet hours
	// at the appointment's location; it can go at Decision.At.
	Deferred
	// TooLate: the reminder for Decision.Lead can no longer go out at least
	// MinNotice before the start, now or after quiet hours; it is dropped.
	TooLate
	// Inactive: the appointment is cancelled or rescheduled.
	Inactive
)

// String returns the action's name.
func (a Action) String() string {
	switch a {
	case NotDue:
		return "not_due"
	case Send:
		return "send"
	case Deferred:
		return "deferred"
	case TooLate:
		return "too_late"
	case Inactive:
		return "inactive"
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

// Decision is the outcome of Decide.
type Decision struct {
	Action Action
	Lead   time.Duration // the reminder concerned (0 for NotDue and Inactive)
	At     time.Time     // Deferred: when quiet hours end
}

// Decide says what to do about appointment a at now, ignoring whether a
// reminder was already sent (the scheduler checks that in the store). It
// is a pure function of a, now and the configuration, so every replica
// reaches the same decision.
//
// The rules:
//
//   - The reminder concerned is the one with the smallest lead time L
//     whose due time start−L has passed. Larger lead times that were never
//     sent are superseded: an appointment created 10 h before its start
//     gets one reminder (the 24 h one), not a 72 h and a 24 h one at once;
//     a 72 h reminder deferred by quiet hours past start−24h gives way to
//     the 24 h one. A reminder missed while every replica was down is
//     sent late, as long as the next one is not due yet.
//   - Nothing is sent less than MinNotice before the start (so never
//     after it): such a reminder is TooLate.
//   - Nothing is sent in quiet hours at the location (its local wall
//     clock): the reminder is Deferred to the end of quiet hours, or
//     TooLate when that end is less than MinNotice before the start.
func (c Config) Decide(a dialogue.Appointment, now time.Time) Decision {
	if !a.Active() {
		return Decision{Action: Inactive}
	}
	left := a.Start.Sub(now)
	if left <= 0 {
		return Decision{Action: NotDue}
	}
	lead, ok := c.dueLead(left)
	if !ok {
		return Decision{Action: NotDue}
	}
	if left < c.MinNotice {
		return Decision{Action: TooLate, Lead: lead}
	}
	zone := c.zone(a.Location)
	if open := c.openAt(now, zone); open.After(now) {
		if a.Start.Sub(open) < c.MinNotice {
			return Decision{Action: TooLate, Lead: lead}
		}
		return Decision{Action: Deferred, Lead: lead, At: open}
	}
	return Decision{Action: Send, Lead: lead}
}

// dueLead returns the smallest lead time that is at least left.
func (c Config) dueLead(left time.Duration) (time.Duration, bool) {
	// LeadTimes is sorted largest first.
	for i := len(c.LeadTimes) - 1; i >= 0; i-- {
		if c.LeadTimes[i] >= left {
			return c.LeadTimes[i], true
		}
	}
	return 0, false
}

// Fate is what becomes of one reminder in an appointment's Plan.
type Fate int

// Fates of a planned reminder.
const (
	// Planned: it goes out at Step.SendAt.
	Planned Fate = iota
	// Superseded: by its send time the next smaller lead time is due too;
	// that one goes instead.
	Superseded
	// Dropped: its send time is less than MinNotice before the start.
	Dropped
)

// String returns the fate's name.
func (f Fate) String() string {
	switch f {
	case Planned:
		return "planned"
	case Superseded:
		return "superseded"
	case Dropped:
		return "dropped"
	}
	return fmt.Sprintf("Fate(%d)", int(f))
}

// Step is one reminder of a Plan.
type Step struct {
	Lead   time.Duration
	Due    time.Time // start − Lead
	SendAt time.Time // Due, or the end of the quiet hours Due falls in
	Fate   Fate
}

// Plan lists, largest lead time first, when each reminder of a would go
// out if the appointment had existed long enough and a replica ticked at
// every instant. It describes what Decide does over time; the scheduler
// itself only uses Decide.
func (c Config) Plan(a dialogue.Appointment) []Step {
	zone := c.zone(a.Location)
	steps := make([]Step, len(c.LeadTimes))
	for i, l := range c.LeadTimes {
		due := a.Start.Add(-l)
		st := Step{Lead: l, Due: due, SendAt: c.openAt(due, zone)}
		switch {
		case i+1 < len(c.LeadTimes) && !a.Start.Add(-c.LeadTimes[i+1]).After(st.SendAt):
			st.Fate = Superseded
		case a.Start.Sub(st.SendAt) < c.MinNotice:
			st.Fate = Dropped
		}
		steps[i] = st
	}
	return steps
}

// Quiet reports whether t falls in quiet hours in zone.
func (c Config) Quiet(t time.Time, zone *time.Location) bool {
	if c.QuietStart == c.QuietEnd {
		return false
	}
	h, m, s := t.In(zone).Clock()
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	if c.QuietStart < c.QuietEnd {
		return off >= c.QuietStart && off < c.QuietEnd
	}
	return off >= c.QuietStart || off < c.QuietEnd // over midnight
}

// openAt returns t when it is outside quiet hours in zone, else the end
// of the quiet hours t falls in (local wall clock QuietEnd, so 08:00 stays
// 08:00 across a DST change).
func (c Config) openAt(t time.Time, zone *time.Location) time.Time {
	if !c.Quiet(t, zone) {
		return t
	}
	local := t.In(zone)
	y, mo, d := local.Date()
	h, m, s := local.Clock()
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
	if c.QuietStart > c.QuietEnd && off >= c.QuietStart {
		d++ // quiet hours run over midnight: they end tomorrow
	}
	end := c.QuietEnd
	open := time.Date(y, mo, d, int(end/time.Hour), int(end%time.Hour/time.Minute), int(end%time.Minute/time.Second), 0, zone)
	// A wall-clock end inside a DST gap or fold can land at or before t,
	// or still in quiet hours; walk forward to the first open minute.
	for i := 0; (!open.After(t) || c.Quiet(open, zone)) && i < 48*60; i++ {
		open = open.Add(time.Minute).Truncate(time.Minute)
	}
	return open
}

func (c Config) zone(location string) *time.Location {
	if z := c.Zone(location); z != nil {
		return z
	}
	return time.UTC
}

// ParseLeadTimes reads a comma-separated list of durations ("72h,24h"),
// returned largest first. "off" or "none" gives an empty, non-nil list: no
// automatic reminders (Config.LeadTimes nil would mean the defaults).
func ParseLeadTimes(s string) ([]time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "none" {
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for _, f := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("lead time %q: want a duration like 24h", strings.TrimSpace(f))
		}
		if d < time.Minute {
			return nil, fmt.Errorf("lead time %q: want at least 1m", strings.TrimSpace(f))
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("lead time %s given twice", d)
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return cmp.Compare(b, a) })
	return out, nil
}

// ParseQuietHours reads "HH:MM-HH:MM" (start-end, local time; it may run
// over midnight, like the default "21:00-08:00") into offsets from local
// midnight. "off" or "none" gives no quiet hours (start == end).
func ParseQuietHours(s string) (start, end time.Duration, err error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "none" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, errors.New(`want "HH:MM-HH:MM", like "21:00-08:00"`)
	}
	if start, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	if start == end {
		return 0, 0, errors.New(`start and end are equal; say "off" for no quiet hours`)
	}
	return start, end, nil
}

func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("%q: want HH:MM", strings.TrimSpace(s))
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}
