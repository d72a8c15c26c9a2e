package reminders

import (
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, whatever the machine has

	"clinicsms/dialogue"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("LoadLocation(%q): %v", name, err)
	}
	return z
}

// cfgIn is the default configuration with every location in zone.
func cfgIn(zone *time.Location, leads ...time.Duration) Config {
	if len(leads) == 0 {
		leads = nil
	}
	return Config{
		LeadTimes:  leads,
		QuietStart: DefaultQuietStart,
		QuietEnd:   DefaultQuietEnd,
		Zone:       func(string) *time.Location { return zone },
	}.withDefaults()
}

func appt(start time.Time) dialogue.Appointment {
	return dialogue.Appointment{ID: "a1", PatientID: "p1", Location: "main", Start: start, Status: dialogue.Booked}
}

func TestQuietAndOpenAt(t *testing.T) {
	ny, kol, tokyo := mustZone(t, "America/New_York"), mustZone(t, "Asia/Kolkata"), mustZone(t, "Asia/Tokyo")
	lhi := mustZone(t, "Australia/Lord_Howe") // DST shifts by 30 minutes
	def := cfgIn(time.UTC)
	noon := Config{QuietStart: 12 * time.Hour, QuietEnd: 13 * time.Hour}
	off := Config{}
	for _, tc := range []struct {
		name  string
		cfg   Config
		t     time.Time
		zone  *time.Location
		quiet bool
		open  time.Time
	}{
		{"ny evening", def, time.Date(2026, 6, 1, 20, 59, 0, 0, ny), ny, false, time.Date(2026, 6, 1, 20, 59, 0, 0, ny)},
		{"ny 21:00 starts quiet", def, time.Date(2026, 6, 1, 21, 0, 0, 0, ny), ny, true, time.Date(2026, 6, 2, 8, 0, 0, 0, ny)},
		{"ny after midnight", def, time.Date(2026, 6, 2, 3, 0, 0, 0, ny), ny, true, time.Date(2026, 6, 2, 8, 0, 0, 0, ny)},
		{"ny 07:59:59", def, time.Date(2026, 6, 2, 7, 59, 59, 0, ny), ny, true, time.Date(2026, 6, 2, 8, 0, 0, 0, ny)},
		{"ny 08:00 ends quiet", def, time.Date(2026, 6, 2, 8, 0, 0, 0, ny), ny, false, time.Date(2026, 6, 2, 8, 0, 0, 0, ny)},
		// DST starts Sun 8 Mar 2026 02:00 EST: the night is an hour shorter, 08:00 stays 08:00.
		{"ny spring-forward night", def, time.Date(2026, 3, 7, 22, 0, 0, 0, ny), ny, true, time.Date(2026, 3, 8, 12, 0, 0, 0, time.UTC)},
		{"ny spring-forward 03:30 EDT", def, time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC), ny, true, time.Date(2026, 3, 8, 8, 0, 0, 0, ny)},
		// DST ends Sun 1 Nov 2026 02:00 EDT: 01:30 happens twice, both quiet.
		{"ny fall-back first 01:30", def, time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), ny, true, time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)},
		{"ny fall-back second 01:30", def, time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), ny, true, time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)},
		{"ny fall-back 08:00 EST", def, time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC), ny, false, time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC)},
		// Kolkata is UTC+5:30: 02:00 UTC is 07:30 there, quiet; 02:30 UTC is 08:00.
		{"kolkata 07:30", def, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), kol, true, time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC)},
		{"kolkata 20:59", def, time.Date(2026, 12, 1, 15, 29, 0, 0, time.UTC), kol, false, time.Date(2026, 12, 1, 15, 29, 0, 0, time.UTC)},
		{"kolkata 21:00", def, time.Date(2026, 12, 1, 15, 30, 0, 0, time.UTC), kol, true, time.Date(2026, 12, 2, 2, 30, 0, 0, time.UTC)},
		{"same instant in UTC", def, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), time.UTC, true, time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)},
		{"same instant in Tokyo (11:00)", def, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), tokyo, false, time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)},
		// Lord Howe: +11 in summer, +10:30 in winter; DST ends 5 Apr 2026 02:00.
		{"lord howe night of DST end", def, time.Date(2026, 4, 4, 23, 0, 0, 0, lhi), lhi, true, time.Date(2026, 4, 5, 8, 0, 0, 0, lhi)},
		{"quiet hours inside a day", noon, time.Date(2026, 6, 1, 12, 30, 0, 0, ny), ny, true, time.Date(2026, 6, 1, 13, 0, 0, 0, ny)},
		{"quiet hours inside a day, evening", noon, time.Date(2026, 6, 1, 23, 0, 0, 0, ny), ny, false, time.Date(2026, 6, 1, 23, 0, 0, 0, ny)},
		{"no quiet hours", off, time.Date(2026, 6, 1, 3, 0, 0, 0, ny), ny, false, time.Date(2026, 6, 1, 3, 0, 0, 0, ny)},
	} {
		if got := tc.cfg.Quiet(tc.t, tc.zone); got != tc.quiet {
			t.Errorf("%s: Quiet(%v, %s) = %v, want %v", tc.name, tc.t, tc.zone, got, tc.quiet)
		}
		if got := tc.cfg.openAt(tc.t, tc.zone); !got.Equal(tc.open) {
			t.Errorf("%s: openAt(%v, %s) = %v, want %v", tc.name, tc.t, tc.zone, got.In(tc.zone), tc.open.In(tc.zone))
		}
	}
}

func TestPlan(t *testing.T) {
	ny, kol := mustZone(t, "America/New_York"), mustZone(t, "Asia/Kolkata")
	utc := time.UTC
	h := time.Hour
	type step struct {
		lead   time.Duration
		sendAt time.Time
		fate   Fate
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		start time.Time
		want  []step
	}{
		{
			// Tue 10 Mar 09:00 EDT: its 72 h reminder is due Sat 7 Mar 08:00 EST,
			// before the clocks change: 72 real hours, not 09:00 wall clock.
			"ny after spring forward", cfgIn(ny), time.Date(2026, 3, 10, 9, 0, 0, 0, ny),
			[]step{{72 * h, time.Date(2026, 3, 7, 8, 0, 0, 0, ny), Planned}, {24 * h, time.Date(2026, 3, 9, 9, 0, 0, 0, ny), Planned}},
		},
		{
			// Mon 9 Mar 07:30 EDT: both due times fall in the night; each
			// waits for 08:00 local, on either side of the change.
			"ny early visit across spring forward", cfgIn(ny), time.Date(2026, 3, 9, 7, 30, 0, 0, ny),
			[]step{{72 * h, time.Date(2026, 3, 6, 8, 0, 0, 0, ny), Planned}, {24 * h, time.Date(2026, 3, 8, 8, 0, 0, 0, ny), Planned}},
		},
		{
			// Sun 1 Nov 20:30 EST: due Sat 31 Oct 21:30 EDT (quiet), sent
			// Sun 08:00 EST, after the clocks went back.
			"ny evening visit across fall back", cfgIn(ny), time.Date(2026, 11, 1, 20, 30, 0, 0, ny),
			[]step{{72 * h, time.Date(2026, 10, 30, 8, 0, 0, 0, ny), Planned}, {24 * h, time.Date(2026, 11, 1, 8, 0, 0, 0, ny), Planned}},
		},
		{
			"ny monday after fall back", cfgIn(ny), time.Date(2026, 11, 2, 8, 30, 0, 0, ny),
			[]step{{72 * h, time.Date(2026, 10, 30, 9, 30, 0, 0, ny), Planned}, {24 * h, time.Date(2026, 11, 1, 8, 30, 0, 0, ny), Planned}},
		},
		{
			// 07:30 IST is 02:00 UTC: quiet in Kolkata, so 08:00 IST (02:30 UTC).
			"kolkata early visit", cfgIn(kol), time.Date(2026, 12, 2, 7, 30, 0, 0, kol),
			[]step{{72 * h, time.Date(2026, 11, 29, 2, 30, 0, 0, utc), Planned}, {24 * h, time.Date(2026, 12, 1, 2, 30, 0, 0, utc), Planned}},
		},
		{
			"kolkata afternoon visit", cfgIn(kol), time.Date(2026, 12, 2, 15, 0, 0, 0, kol),
			[]step{{72 * h, time.Date(2026, 11, 29, 15, 0, 0, 0, kol), Planned}, {24 * h, time.Date(2026, 12, 1, 15, 0, 0, 0, kol), Planned}},
		},
		{
			// 12 h lead due 21:00 (quiet) would wait until 08:00, but the
			// 6 h lead is due at 03:00 by then: only the 6 h one goes, at 08:00.
			"deferred past the next lead", cfgIn(utc, 12*h, 6*h), time.Date(2026, 6, 2, 9, 0, 0, 0, utc),
			[]step{{12 * h, time.Date(2026, 6, 2, 8, 0, 0, 0, utc), Superseded}, {6 * h, time.Date(2026, 6, 2, 8, 0, 0, 0, utc), Planned}},
		},
		{
			// 2 h lead due 06:30 waits to 08:00, 30 min before the start: dropped.
			"deferred too close to the start", cfgIn(utc, 24*h, 2*h), time.Date(2026, 6, 2, 8, 30, 0, 0, utc),
			[]step{{24 * h, time.Date(2026, 6, 1, 8, 30, 0, 0, utc), Planned}, {2 * h, time.Date(2026, 6, 2, 8, 0, 0, 0, utc), Dropped}},
		},
		{
			"deferred to exactly the minimum notice", cfgIn(utc, 2*h), time.Date(2026, 6, 2, 9, 0, 0, 0, utc),
			[]step{{2 * h, time.Date(2026, 6, 2, 8, 0, 0, 0, utc), Planned}},
		},
	} {
		got := tc.cfg.Plan(appt(tc.start))
		if len(got) != len(tc.want) {
			t.Errorf("%s: Plan(%v) has %d steps, want %d", tc.name, tc.start, len(got), len(tc.want))
			continue
		}
		for i, w := range tc.want {
			g := got[i]
			if g.Lead != w.lead || !g.SendAt.Equal(w.sendAt) || g.Fate != w.fate || !g.Due.Equal(tc.start.Add(-w.lead)) {
				t.Errorf("%s: Plan(%v)[%d] = %v due %v send %v %v; want %v send %v %v",
					tc.name, tc.start, i, g.Lead, g.Due, g.SendAt.In(tc.start.Location()), g.Fate, w.lead, w.sendAt.In(tc.start.Location()), w.fate)
			}
		}
	}
}

func TestDecide(t *testing.T) {
	ny, kol := mustZone(t, "America/New_York"), mustZone(t, "Asia/Kolkata")
	h := time.Hour
	start := time.Date(2026, 6, 10, 15, 0, 0, 0, ny) // Wed 15:00 EDT
	cancelled := appt(start)
	cancelled.Status = dialogue.Cancelled
	confirmed := appt(start)
	confirmed.Status = dialogue.Confirmed
	for _, tc := range []struct {
		name string
		cfg  Config
		a    dialogue.Appointment
		now  time.Time
		want Decision
	}{
		{"not yet due", cfgIn(ny), appt(start), start.Add(-73 * h), Decision{Action: NotDue}},
		{"72h due", cfgIn(ny), appt(start), start.Add(-72 * h), Decision{Action: Send, Lead: 72 * h}},
		{"72h still current at 25h", cfgIn(ny), appt(start), start.Add(-25 * h), Decision{Action: Send, Lead: 72 * h}},
		{"24h due", cfgIn(ny), appt(start), start.Add(-24 * h), Decision{Action: Send, Lead: 24 * h}},
		{"confirmed still reminded", cfgIn(ny), confirmed, start.Add(-24 * h), Decision{Action: Send, Lead: 24 * h}},
		// Created 10 h before a 19:00 visit: the 24 h reminder only, not the 72 h one too.
		{"created late", cfgIn(ny), appt(start.Add(4 * h)), start.Add(-6 * h), Decision{Action: Send, Lead: 24 * h}},
		{"at the minimum notice", cfgIn(ny), appt(start), start.Add(-h), Decision{Action: Send, Lead: 24 * h}},
		{"under the minimum notice", cfgIn(ny), appt(start), start.Add(-59 * time.Minute), Decision{Action: TooLate, Lead: 24 * h}},
		{"started", cfgIn(ny), appt(start), start, Decision{Action: NotDue}},
		{"cancelled", cfgIn(ny), cancelled, start.Add(-24 * h), Decision{Action: Inactive}},
		// Created at 23:00 for 10:00 next morning: waits for 08:00.
		{"created at night", cfgIn(ny), appt(time.Date(2026, 6, 11, 10, 0, 0, 0, ny)), time.Date(2026, 6, 10, 23, 0, 0, 0, ny),
			Decision{Action: Deferred, Lead: 24 * h, At: time.Date(2026, 6, 11, 8, 0, 0, 0, ny)}},
		{"created at night for 08:30", cfgIn(ny), appt(time.Date(2026, 6, 11, 8, 30, 0, 0, ny)), time.Date(2026, 6, 10, 23, 0, 0, 0, ny),
			Decision{Action: TooLate, Lead: 24 * h}},
		{"night before a 09:00 visit", cfgIn(ny), appt(time.Date(2026, 6, 11, 9, 0, 0, 0, ny)), time.Date(2026, 6, 11, 7, 59, 0, 0, ny),
			Decision{Action: Deferred, Lead: 24 * h, At: time.Date(2026, 6, 11, 8, 0, 0, 0, ny)}},
		// 02:00 UTC is 07:30 in Kolkata (quiet) and 22:00 in New York (quiet).
		{"kolkata 07:30", cfgIn(kol), appt(time.Date(2026, 12, 2, 15, 0, 0, 0, kol)), time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC),
			Decision{Action: Deferred, Lead: 72 * h, At: time.Date(2026, 12, 1, 8, 0, 0, 0, kol)}},
		{"kolkata 08:00", cfgIn(kol), appt(time.Date(2026, 12, 2, 15, 0, 0, 0, kol)), time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC),
			Decision{Action: Send, Lead: 72 * h}},
		{"quiet hours off", Config{Zone: func(string) *time.Location { return ny }}.withDefaults(), appt(time.Date(2026, 6, 11, 9, 0, 0, 0, ny)),
			time.Date(2026, 6, 11, 3, 0, 0, 0, ny), Decision{Action: Send, Lead: 24 * h}},
		{"no lead times", Config{LeadTimes: []time.Duration{}}.withDefaults(), appt(start), start.Add(-h), Decision{Action: NotDue}},
	} {
		got := tc.cfg.Decide(tc.a, tc.now)
		if got.Action != tc.want.Action || got.Lead != tc.want.Lead || !got.At.Equal(tc.want.At) {
			t.Errorf("%s: Decide(start %v, now %v) = %v %v %v, want %v %v %v", tc.name, tc.a.Start, tc.now,
				got.Action, got.Lead, got.At, tc.want.Action, tc.want.Lead, tc.want.At)
		}
	}
}

// TestDecideOverTimeFollowsPlan replays Decide minute by minute, as an
// always-running replica would, and checks the reminders it sends are
// exactly the planned steps, at their planned times; and that an
// appointment created late gets at most one reminder at once.
func TestDecideOverTimeFollowsPlan(t *testing.T) {
	ny, kol, lhi := mustZone(t, "America/New_York"), mustZone(t, "Asia/Kolkata"), mustZone(t, "Australia/Lord_Howe")
	h := time.Hour
	type sent struct {
		lead time.Duration
		at   time.Time
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		start   time.Time
		created time.Duration // before the start; 0: before every lead time
		want    int           // reminders sent when created late
	}{
		{"ny spring forward", cfgIn(ny), time.Date(2026, 3, 9, 7, 30, 0, 0, ny), 0, 0},
		{"ny fall back evening", cfgIn(ny), time.Date(2026, 11, 1, 20, 30, 0, 0, ny), 0, 0},
		{"ny fall back morning", cfgIn(ny), time.Date(2026, 11, 2, 8, 0, 0, 0, ny), 0, 0},
		{"kolkata", cfgIn(kol), time.Date(2026, 12, 2, 7, 30, 0, 0, kol), 0, 0},
		{"lord howe", cfgIn(lhi), time.Date(2026, 4, 6, 8, 15, 0, 0, lhi), 0, 0},
		{"superseded", cfgIn(time.UTC, 12*h, 6*h), time.Date(2026, 6, 2, 9, 0, 0, 0, time.UTC), 0, 0},
		{"three leads", cfgIn(ny, 72*h, 24*h, 2*h), time.Date(2026, 6, 2, 9, 0, 0, 0, ny), 0, 0},
		{"created 10h before", cfgIn(ny), time.Date(2026, 6, 2, 15, 0, 0, 0, ny), 10 * h, 1},
		{"created 30h before", cfgIn(ny), time.Date(2026, 6, 2, 15, 0, 0, 0, ny), 30 * h, 2},
		{"created 30 min before", cfgIn(ny), time.Date(2026, 6, 2, 15, 0, 0, 0, ny), 30 * time.Minute, 0},
		{"created at 23:00 for 09:30", cfgIn(ny), time.Date(2026, 6, 2, 9, 30, 0, 0, ny), 10*h + 30*time.Minute, 1},
	} {
		a := appt(tc.start)
		from := tc.start.Add(-tc.cfg.LeadTimes[0] - h)
		if tc.created > 0 {
			from = tc.start.Add(-tc.created)
		}
		done := map[time.Duration]bool{}
		var got []sent
		for now := from; now.Before(tc.start.Add(h)); now = now.Add(time.Minute) {
			d := tc.cfg.Decide(a, now)
			if d.Action == Send && !done[d.Lead] {
				done[d.Lead] = true
				got = append(got, sent{d.Lead, now})
				if tc.cfg.Quiet(now, tc.cfg.zone(a.Location)) {
					t.Errorf("%s: sent %v at %v, in quiet hours", tc.name, d.Lead, now)
				}
				if tc.start.Sub(now) < tc.cfg.MinNotice {
					t.Errorf("%s: sent %v at %v, under %v before the start", tc.name, d.Lead, now, tc.cfg.MinNotice)
				}
			}
		}
		if tc.created > 0 {
			if len(got) != tc.want {
				t.Errorf("%s: sent %v, want %d reminders", tc.name, got, tc.want)
			}
			for i := 1; i < len(got); i++ {
				if got[i].at.Sub(got[i-1].at) < h {
					t.Errorf("%s: reminders %v and %v piled up", tc.name, got[i-1], got[i])
				}
			}
			continue
		}
		var want []sent
		for _, st := range tc.cfg.Plan(a) {
			if st.Fate == Planned {
				want = append(want, sent{st.Lead, st.SendAt})
			}
		}
		if !slices.EqualFunc(got, want, func(x, y sent) bool { return x.lead == y.lead && x.at.Equal(y.at) }) {
			t.Errorf("%s: minute-by-minute Decide sent %v, Plan says %v", tc.name, got, want)
		}
	}
}

func TestParseLeadTimes(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		in   string
		want []time.Duration
		err  bool
	}{
		{"72h,24h", []time.Duration{72 * h, 24 * h}, false},
		{" 24h , 72h ,2h30m", []time.Duration{72 * h, 24 * h, 2*h + 30*time.Minute}, false},
		{"off", nil, false},
		{"none", nil, false},
		{"24h,24h", nil, true},
		{"24", nil, true},
		{"30s", nil, true},
		{"", nil, true},
		{"24h,", nil, true},
	} {
		got, err := ParseLeadTimes(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) || (err == nil && got == nil) {
			t.Errorf("ParseLeadTimes(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestParseQuietHours(t *testing.T) {
	h := time.Hour
	for _, tc := range []struct {
		in         string
		start, end time.Duration
		err        bool
	}{
		{"21:00-08:00", 21 * h, 8 * h, false},
		{" 22:30 - 07:15 ", 22*h + 30*time.Minute, 7*h + 15*time.Minute, false},
		{"12:00-13:00", 12 * h, 13 * h, false},
		{"off", 0, 0, false},
		{"08:00-08:00", 0, 0, true},
		{"21-8", 0, 0, true},
		{"25:00-08:00", 0, 0, true},
		{"21:00", 0, 0, true},
	} {
		s, e, err := ParseQuietHours(tc.in)
		if (err != nil) != tc.err || s != tc.start || e != tc.end {
			t.Errorf("ParseQuietHours(%q) = %v, %v, %v; want %v, %v, error %v", tc.in, s, e, err, tc.start, tc.end, tc.err)
		}
	}
}
