package intents

// This file reads WHEN a patient wants a new appointment, in the patient's
// own words ("can we do Friday afternoon?", "mañana por la tarde", "下周二"),
// and which of the offered times a patient picks ("the Tuesday one").
//
// How it reads: the text is normalised (Normalize, digits of every script
// made ASCII, Arabic-script letter variants unified, accents folded except
// in Vietnamese where accents carry meaning), then a small lexer finds the
// phrases of the language's word table (whenTables, one entry a language,
// all in this file) and numbers (clock times, numeric dates). Explicit dates
// with month names ("Dec 5", "5 de diciembre", "5 декабря", "in 2 weeks")
// come from go-dateparser, restricted to the patient's language; its
// results are used only where they add a date the word tables do not know,
// because measured on the 30 languages it misreads combinations
// ("Friday afternoon", "星期五下午"), misses common words ("bukas",
// "kal", "کل", "કાલે") and reads "we" as Wednesday and "कल" as yesterday.
//
// Conventions chosen (a clinic texting about a future visit):
//   - A week starts on Monday (ISO 8601). "This week" runs from now to the
//     end of Sunday; "next week" is the following Monday to Sunday.
//   - A bare weekday ("Friday") is the soonest such day. Today counts while
//     the wished time of day can still be met: now is before the wish's
//     Before bound, or before 17:00 when the wish gives none.
//   - "next <weekday>" is read per language as either "the coming one" or
//     "the one of next week"; since both readings are common (even within
//     English), the window covers both: the coming such day (never today)
//     and the one a week later, filtered to that weekday. Forms that name
//     the week explicitly ("下周二", "来週の火曜日", "next week Tuesday")
//     mean that week's day only.
//   - "kal" (hi/ur/pa) and "কাল" (bn) mean yesterday or tomorrow; a
//     patient asking for a new time means tomorrow.
//   - Parts of day: morning before 12:00, noon/lunchtime 12:00–14:00,
//     afternoon 12:00–17:00, evening from 17:00.
//   - A clock time without am/pm: 1–7 means afternoon (clinic hours) unless
//     the patient said morning; any hour below 12 with "afternoon" or
//     "evening" nearby is afternoon/evening ("3 de la tarde" is 15:00).
//     Swahili "saa N" is Swahili time (N+6: "saa tisa"/"saa 9" is 15:00).
//   - "after 3pm" includes 15:00; "before 10" excludes 10:00. A time named
//     alone ("at 3pm") is the hour from it: 15:00–16:00.
//   - "earlier"/"sooner"/"later" with nothing else reads as temporal with no
//     bound (From = now): the caller knows the current appointment and may
//     clip the window to it.
//   - A numeric date "5/12" is read in the language's order: month first
//     for en and tl, year-month-day for zh, ja and ko (so "12/5" is 5 Dec),
//     day first for the others. A date already past is next year's; "the
//     12th" already past is next month's.
//   - A language's own table is tried first, then close kin (hi→ur, pa;
//     ru↔uk; es↔pt; zh↔ja; ...) when it found nothing; an unknown language
//     code tries every table. Every table also knows English words of five
//     letters or more ("today", "friday", "after"): patients mix them in.
//   - PickByWords does not check relative days ("the one tomorrow"): the
//     options alone do not tell today, so such a pick stays ambiguous.

import (
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	dps "github.com/markusmobius/go-dateparser"
)

// Window is a span of time a patient would accept for a new appointment,
// in the location's time zone. Zero From or To means no bound on that side.
// Days, when set, keeps only those weekdays; After and Before, when not
// zero, keep only times of day at or after After and strictly before
// Before, counted from local midnight.
type Window struct {
	From, To      time.Time
	Days          []time.Weekday // optional filter
	After, Before time.Duration  // optional time-of-day bounds from local midnight; 0 = none
}

// zone is the location the window was made in: From's, else To's, else
// nil (compare in the caller's own zone).
func (w Window) zone() *time.Location {
	switch {
	case !w.From.IsZero():
		return w.From.Location()
	case !w.To.IsZero():
		return w.To.Location()
	}
	return nil
}

// Contains reports whether an appointment starting at t fits the window.
// t is compared in the window's zone (the zone of From, or of To).
func (w Window) Contains(t time.Time) bool {
	if loc := w.zone(); loc != nil {
		t = t.In(loc)
	}
	if !w.From.IsZero() && t.Before(w.From) {
		return false
	}
	if !w.To.IsZero() && !t.Before(w.To) {
		return false
	}
	if len(w.Days) > 0 && !slices.Contains(w.Days, t.Weekday()) {
		return false
	}
	tod := wallClock(t)
	if w.After > 0 && tod < w.After {
		return false
	}
	if w.Before > 0 && tod >= w.Before {
		return false
	}
	return true
}

// Empty reports whether no instant can fit the window: its bounds cross,
// its time-of-day bounds cross, its Days filter removes every day, or no day
// between From and To offers the wished weekday and time of day (for
// example "this morning" asked at 13:00). The dialogue then says that
// nothing fits and offers the nearest times.
func (w Window) Empty() bool {
	if !w.From.IsZero() && !w.To.IsZero() && !w.From.Before(w.To) {
		return true
	}
	if w.After > 0 && w.Before > 0 && w.After >= w.Before {
		return true
	}
	if w.Days != nil && len(w.Days) == 0 {
		return true
	}
	if w.From.IsZero() || w.To.IsZero() {
		return false
	}
	loc := w.zone()
	day := midnight(w.From.In(loc))
	for i := 0; i < 400 && day.Before(w.To); i++ {
		lo, hi := day, addDays(day, 1)
		if w.After > 0 {
			lo = atWallClock(day, w.After)
		}
		if w.Before > 0 {
			hi = atWallClock(day, w.Before)
		}
		if lo.Before(w.From) {
			lo = w.From
		}
		if hi.After(w.To) {
			hi = w.To
		}
		if lo.Before(hi) && (len(w.Days) == 0 || slices.Contains(w.Days, day.Weekday())) {
			return false
		}
		day = addDays(day, 1)
	}
	return true
}

// ParseWhen reads a wish for a new appointment time ("Friday afternoon",
// "next week after 3pm", "mañana por la tarde", "下周二") written in lang
// (one of locales.Supported; other codes are read with every table) and
// returns the window it names, in zone (nil means now's zone), relative to
// now. ok is false when the text names nothing temporal, so the dialogue
// just offers the earliest slots. The file comment lists the conventions.
func ParseWhen(text, lang string, now time.Time, zone *time.Location) (Window, bool) {
	if zone == nil {
		zone = now.Location()
	}
	now = now.In(zone)
	for _, lx := range lexiconsFor(lang) {
		r := readWhen(text, lx, now)
		if r.temporal() {
			return r.window(now), true
		}
	}
	return Window{}, false
}

// PickByWords returns the 0-based index of the offered time (up to three,
// in the order they were offered) the patient picked in words: an ordinal
// ("the first", "el segundo", "第二个"), "the last", "the earlier/later
// one", a bare option number ("2"), or what sets one option apart: its
// weekday ("the Tuesday one", "el del martes", "周二那个"), its day
// ("tomorrow's"), its part of day ("the afternoon one") or its time
// ("10:30", "the 2pm"). ok is false when nothing matches or more than one
// option does.
func PickByWords(text, lang string, options []time.Time, zone *time.Location) (int, bool) {
	if len(options) == 0 {
		return 0, false
	}
	if zone == nil {
		zone = options[0].Location()
	}
	local := make([]time.Time, len(options))
	for i, o := range options {
		local[i] = o.In(zone)
	}
	for _, lx := range lexiconsFor(lang) {
		if i, ok, decided := pick(text, lx, local); decided {
			return i, ok
		}
	}
	return 0, false
}

// ---- reading ----

// whenKind is what one token of a wish means.
type whenKind uint8

const (
	wkNone     whenKind = iota
	wkDay               // relative day: val days from today
	wkTonight           // today, evening
	wkWeek              // val weeks from this week
	wkWeekday           // val weekday; val2 = week offset, or -1 when not named
	wkNext              // "next"/"coming" beside a weekday
	wkPart              // part of day: val is a part* constant
	wkAfter             // "after", "from", "以后"
	wkBefore            // "before", "until", "以前"
	wkHour              // hour marker: "o'clock", "uhr", "a las", "baje"; val 1 = Swahili "saa"
	wkTo                // range connector between two times: "-", "to", "到"
	wkNot               // "except", "but not"
	wkOrdinal           // val 0, 1, 2: first, second, third
	wkLast              // "the last one"
	wkEarlier           // "earlier", "sooner", "the earlier one"
	wkLater             // "later", "the later one"
	wkNum               // a bare number
	wkClock             // a clock time: min minutes from midnight
	wkDate              // y (0 = not given), m, d
	wkMonthDay          // d: day of month ("the 12th", "5号")
)

// Parts of the day and their time-of-day bounds.
const (
	partMorning = iota
	partNoon
	partAfternoon
	partEvening
)

var partBounds = [...][2]time.Duration{
	partMorning:   {0, 12 * time.Hour},
	partNoon:      {12 * time.Hour, 14 * time.Hour},
	partAfternoon: {12 * time.Hour, 17 * time.Hour},
	partEvening:   {17 * time.Hour, 0},
}

// whenTok is one token found in a wish.
type whenTok struct {
	kind      whenKind
	val, val2 int
	min       int  // wkClock: minutes after midnight as written
	hasMin    bool // wkClock: minutes were written ("10:30")
	ampm      int8 // wkClock: 0 none, 1 am, 2 pm
	strong    bool // wkClock: written as a time (colon, am/pm, 点, h), not inferred
	swahili   bool // wkClock: read in Swahili time
	y, m, d   int  // wkDate, wkMonthDay
}

// whenRead is everything one wish named.
type whenRead struct {
	toks []whenTok
}

func readWhen(text string, lx *lexicon, now time.Time) whenRead {
	s := lx.normalize(text)
	toks := lx.lex(s)
	if dates := dateparserDates(text, s, toks, lx, now); len(dates) > 0 {
		// The "5" of "5 Aralık öğleden sonra" is the date's, not 5 pm.
		toks = slices.DeleteFunc(toks, func(t whenTok) bool {
			return t.kind == wkNum && slices.ContainsFunc(dates, func(d whenTok) bool { return d.d == t.val })
		})
		toks = append(toks, dates...)
	}
	return whenRead{toks: resolveClocks(toks)}
}

// temporal reports whether the wish named any time at all.
func (r whenRead) temporal() bool {
	for _, t := range r.toks {
		switch t.kind {
		case wkDay, wkTonight, wkWeek, wkWeekday, wkPart, wkClock, wkDate, wkMonthDay, wkEarlier, wkLater:
			return true
		}
	}
	return false
}

// timeOfDay returns the time-of-day bounds the wish named (0 = none):
// parts of day hulled together, then narrowed by clock times.
func (r whenRead) timeOfDay() (after, before time.Duration) {
	havePart := false
	for _, t := range r.toks {
		if t.kind != wkPart && t.kind != wkTonight {
			continue
		}
		p := t.val
		if t.kind == wkTonight {
			p = partEvening
		}
		lo, hi := partBounds[p][0], partBounds[p][1]
		if !havePart {
			after, before, havePart = lo, hi, true
			continue
		}
		after = min(after, lo)
		if before != 0 && (hi == 0 || hi > before) {
			before = hi
		}
	}
	for i, t := range r.toks {
		if t.kind != wkClock {
			continue
		}
		c := time.Duration(t.min) * time.Minute
		switch r.clockRole(i) {
		case wkAfter:
			after = max(after, c)
		case wkBefore:
			if before == 0 || c < before {
				before = c
			}
		case wkTo: // first of a range "2-4pm"
			after = max(after, c)
		case wkNone: // a time named alone: that hour
			after = max(after, c)
			if end := c + time.Hour; before == 0 || end < before {
				before = end
			}
		}
	}
	return after, before
}

// clockRole tells how the clock at i is bounded: as the start of a range
// ("2-4pm", "3時から5時まで", "von 14 bis 16"; wkTo), as its end (wkBefore),
// by an "after" or "before" marker beside it, or alone (wkNone).
func (r whenRead) clockRole(i int) whenKind {
	link := func(k whenKind) bool { return k == wkTo || k == wkBefore || k == wkAfter }
	if i+2 < len(r.toks) && link(r.toks[i+1].kind) && r.toks[i+2].kind == wkClock {
		return wkTo
	}
	if i >= 2 && link(r.toks[i-1].kind) && r.toks[i-2].kind == wkClock {
		return wkBefore
	}
	if i > 0 {
		if k := r.toks[i-1].kind; k == wkAfter || k == wkBefore {
			return k
		}
	}
	if i+1 < len(r.toks) {
		if k := r.toks[i+1].kind; k == wkAfter || k == wkBefore {
			return k // postpositional: "3点以后", "3 baje ke baad"
		}
	}
	return wkNone
}

// daySpan is one day or run of days the wish named: [from, to) midnights.
// filter, when set, keeps only that weekday (a named day, or "next Friday").
type daySpan struct {
	from, to time.Time
	filter   bool
}

// days returns the day spans the wish named and the weekdays it excluded.
func (r whenRead) days(now time.Time, todayEnd time.Duration) (spans []daySpan, excluded []time.Weekday) {
	today := midnight(now)
	weekStart := addDays(today, -((int(today.Weekday()) + 6) % 7))
	var weeks []int
	weekUsed := false
	for _, t := range r.toks {
		if t.kind == wkWeek {
			weeks = append(weeks, t.val)
		}
	}
	one := func(d time.Time) {
		spans = append(spans, daySpan{from: d, to: addDays(d, 1), filter: true})
	}
	for i, t := range r.toks {
		switch t.kind {
		case wkDay, wkTonight:
			one(addDays(today, t.val))
		case wkDate:
			y := t.y
			if y == 0 {
				y = today.Year()
				if time.Date(y, time.Month(t.m), t.d, 0, 0, 0, 0, now.Location()).Before(today) {
					y++
				}
			}
			d := time.Date(y, time.Month(t.m), t.d, 0, 0, 0, 0, now.Location())
			if d.Day() == t.d { // not 31 Feb
				one(d)
			}
		case wkMonthDay:
			y, m := today.Year(), today.Month()
			if t.d < today.Day() {
				m++
			}
			d := time.Date(y, m, t.d, 0, 0, 0, 0, now.Location())
			if d.Day() != t.d { // the month has no such day: the next that has
				d = time.Date(y, m+1, t.d, 0, 0, 0, 0, now.Location())
			}
			one(d)
		case wkWeekday:
			wd := time.Weekday(t.val)
			if r.negated(i) {
				excluded = append(excluded, wd)
				continue
			}
			week := t.val2
			if week < 0 && len(weeks) > 0 {
				week, weekUsed = weeks[0], true
			}
			if week >= 0 {
				one(addDays(weekStart, 7*week+(int(wd)+6)%7))
				continue
			}
			ahead := (int(wd) - int(today.Weekday()) + 7) % 7
			if r.near(i, wkNext) {
				if ahead == 0 {
					ahead = 7
				}
				first := addDays(today, ahead)
				spans = append(spans, daySpan{from: first, to: addDays(first, 8), filter: true})
				continue
			}
			if ahead == 0 && wallClock(now) >= todayEnd {
				ahead = 7
			}
			one(addDays(today, ahead))
		}
	}
	if !weekUsed {
		for _, w := range weeks {
			from := addDays(weekStart, 7*w)
			spans = append(spans, daySpan{from: from, to: addDays(from, 7)})
		}
	}
	return spans, excluded
}

// near reports whether the token beside i (either side) is of kind k.
func (r whenRead) near(i int, k whenKind) bool {
	return (i > 0 && r.toks[i-1].kind == k) || (i+1 < len(r.toks) && r.toks[i+1].kind == k)
}

// negated reports whether the weekday at i is excluded: "not Monday",
// "月曜以外", but not the Friday of "Friday, not Monday".
func (r whenRead) negated(i int) bool {
	if i > 0 && r.toks[i-1].kind == wkNot {
		return true
	}
	return i+1 < len(r.toks) && r.toks[i+1].kind == wkNot && !(i+2 < len(r.toks) && r.toks[i+2].kind == wkWeekday)
}

// window turns the reading into a Window relative to now.
func (r whenRead) window(now time.Time) Window {
	var w Window
	w.After, w.Before = r.timeOfDay()
	todayEnd := 17 * time.Hour
	if w.Before > 0 {
		todayEnd = w.Before
	}
	spans, excluded := r.days(now, todayEnd)
	if len(spans) > 0 {
		w.From, w.To = spans[0].from, spans[0].to
		filtered := true
		var wds []time.Weekday
		for _, s := range spans {
			if s.from.Before(w.From) {
				w.From = s.from
			}
			if s.to.After(w.To) {
				w.To = s.to
			}
			filtered = filtered && s.filter
			if !slices.Contains(wds, s.from.Weekday()) {
				wds = append(wds, s.from.Weekday())
			}
		}
		// Separate days ("Monday or Thursday", "next Friday"): only those.
		if filtered && w.To.Sub(w.From) > 25*time.Hour*time.Duration(len(wds)) {
			w.Days = wds
		}
	}
	if len(excluded) > 0 {
		keep := w.Days
		if keep == nil {
			keep = []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
		}
		w.Days = []time.Weekday{}
		for _, d := range keep {
			if !slices.Contains(excluded, d) {
				w.Days = append(w.Days, d)
			}
		}
	}
	if w.From.IsZero() || w.From.Before(now) {
		w.From = now
	}
	if w.Days != nil {
		slices.Sort(w.Days)
	}
	return w
}

// ---- picking ----

// pick chooses one of options. decided is false when the text named nothing
// this lexicon understands (so another lexicon may try).
func pick(text string, lx *lexicon, options []time.Time) (idx int, ok, decided bool) {
	s := lx.normalize(text)
	r := whenRead{toks: resolveClocks(lx.lex(s))}
	n := len(options)
	var nums, other int
	for _, t := range r.toks {
		switch t.kind {
		case wkNum:
			nums++
		case wkOrdinal, wkLast, wkEarlier, wkLater, wkDay, wkTonight, wkWeekday, wkPart, wkClock, wkDate, wkMonthDay, wkWeek:
			other++
		}
	}
	if other == 0 && nums == 1 { // "2", "#2", "option 2"
		for _, t := range r.toks {
			if t.kind == wkNum && t.val >= 1 && t.val <= n {
				return t.val - 1, true, true
			}
		}
		return 0, false, true
	}
	if other == 0 {
		return 0, false, false
	}
	for _, t := range r.toks {
		switch t.kind {
		case wkOrdinal:
			if t.val < n {
				return t.val, true, true
			}
			return 0, false, true
		case wkLast:
			return n - 1, true, true
		case wkEarlier, wkLater:
			best := 0
			for i, o := range options {
				if (t.kind == wkEarlier && o.Before(options[best])) || (t.kind == wkLater && o.After(options[best])) {
					best = i
				}
			}
			for i, o := range options {
				if i != best && o.Equal(options[best]) {
					return 0, false, true
				}
			}
			return best, true, true
		}
	}
	match := -1
	for i, o := range options {
		if !r.fits(o) {
			continue
		}
		if match >= 0 {
			return 0, false, true
		}
		match = i
	}
	if match < 0 {
		// "the 2nd" with no option on the 2nd: the second option.
		for _, t := range r.toks {
			if t.kind == wkMonthDay && other == 1 && t.d >= 1 && t.d <= n {
				return t.d - 1, true, true
			}
		}
		return 0, false, true
	}
	return match, true, true
}

// fits reports whether option o has everything the pick named: its
// weekday, its date, its part of day, its time. Relative days ("the one
// tomorrow") are not checked: the options alone do not tell today.
func (r whenRead) fits(o time.Time) bool {
	day := midnight(o)
	tod := wallClock(o)
	var wds []time.Weekday
	dateOK, haveDate := false, false
	markers := false
	for _, t := range r.toks {
		switch t.kind {
		case wkWeekday:
			wds = append(wds, time.Weekday(t.val))
		case wkDate:
			haveDate = true
			dateOK = dateOK || (int(day.Month()) == t.m && day.Day() == t.d)
		case wkMonthDay:
			haveDate = true
			dateOK = dateOK || day.Day() == t.d
		case wkAfter, wkBefore, wkTo:
			markers = true
		}
	}
	if len(wds) > 0 && !slices.Contains(wds, o.Weekday()) {
		return false
	}
	if haveDate && !dateOK {
		return false
	}
	if markers { // "the one after 3"
		after, before := r.timeOfDay()
		return (after == 0 || tod >= after) && (before == 0 || tod < before)
	}
	only := whenRead{}
	for _, t := range r.toks {
		if t.kind == wkClock {
			// "10:30" must be 10:30 (or 22:30); "the 2" any time in the
			// 2 o'clock hour, morning or afternoon.
			c := time.Duration(t.min) * time.Minute
			ok := func(c time.Duration) bool {
				if t.hasMin {
					return tod == c
				}
				return tod.Truncate(time.Hour) == c.Truncate(time.Hour)
			}
			if !ok(c) && (t.ampm != 0 || !(ok(c+12*time.Hour) || ok(c-12*time.Hour))) {
				return false
			}
			continue
		}
		if t.kind == wkPart || t.kind == wkTonight {
			only.toks = append(only.toks, t)
		}
	}
	after, before := only.timeOfDay()
	return (after == 0 || tod >= after) && (before == 0 || tod < before)
}

// ---- helpers on time ----

// midnight is the start of t's day in t's zone (DST-safe).
func midnight(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// wallClock is t's time of day as its clock shows it (on a DST day this
// differs from the time elapsed since midnight).
func wallClock(t time.Time) time.Duration {
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

// atWallClock is the instant day's clock shows tod.
func atWallClock(day time.Time, tod time.Duration) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, int(tod/time.Second), 0, day.Location())
}

// addDays moves a midnight by n calendar days (DST-safe).
func addDays(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, t.Location())
}

// ---- go-dateparser ----

// dateparserDates asks go-dateparser for explicit dates the word tables do
// not cover: month names ("Dec 5", "5 декабря") and spans ("in 2 weeks").
// It runs only when the text has a number and words the tables did not
// place, and keeps a result only when its text has a digit and at least
// three letters the tables do not know (a month name), and is not past.
//
// go-dateparser v1.4.7 panics on some text (Spanish "¿" makes Search slice
// out of range), so it gets letters, digits and date punctuation only, and
// a panic inside it is recovered and counts as "no date".
//
// It is given text lightly normalised (Normalize, ASCII digits): its own
// tables know "Aralık" and "ديسمبر", not the folded "aralik" and "دیسمبر".
func dateparserDates(text, s string, toks []whenTok, lx *lexicon, now time.Time) (out []whenTok) {
	bare := false // a number the tables could not place: "5" of "Dec 5"
	for _, t := range toks {
		bare = bare || t.kind == wkNum
	}
	if !bare || !lx.hasUnknownLetters(s) {
		return nil
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsDigit(r):
			return '0' + digitValue(r)
		case isWordRune(r) || strings.ContainsRune(" .,/:-", r):
			return r
		}
		return ' '
	}, Normalize(text))
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	var p dps.Parser
	cfg := &dps.Configuration{
		Languages:           []string{lx.dpsLang},
		CurrentTime:         now,
		DefaultTimezone:     now.Location(),
		PreferredDateSource: dps.Future,
	}
	_, found, err := p.Search(cfg, s)
	if err != nil {
		return nil
	}
	today := midnight(now)
	for _, f := range found {
		if !strings.ContainsFunc(f.Text, isASCIIDigit) || f.Date.IsZero() || !lx.hasUnknownLetters(lx.normalize(f.Text)) {
			continue
		}
		d := midnight(f.Date.Time.In(now.Location()))
		if d.Before(today) {
			continue
		}
		out = append(out, whenTok{kind: wkDate, y: d.Year(), m: int(d.Month()), d: d.Day()})
	}
	return out
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

// ---- clock resolution ----

// resolveClocks decides which numbers are clock times and what hour each
// means, and drops hour markers once they have done their work.
func resolveClocks(toks []whenTok) []whenTok {
	var morning, pmPart bool
	for _, t := range toks {
		if t.kind == wkPart {
			morning = morning || t.val == partMorning
			pmPart = pmPart || t.val == partAfternoon || t.val == partEvening
		}
		pmPart = pmPart || t.kind == wkTonight
	}
	// Numbers beside an hour marker, an after/before marker or a part of
	// day are clock times.
	for i := range toks {
		if toks[i].kind != wkNum {
			continue
		}
		for _, j := range []int{i - 1, i + 1} {
			if j < 0 || j >= len(toks) {
				continue
			}
			if j == i+1 && toks[j].kind == wkHour && j+1 < len(toks) && (toks[j+1].kind == wkNum || toks[j+1].kind == wkClock) {
				continue // "le 5 décembre à 10h": "à" belongs to the 10
			}
			switch toks[j].kind {
			case wkHour, wkAfter, wkBefore, wkPart:
				if toks[i].kind == wkNum && toks[i].val <= 24 {
					toks[i].kind, toks[i].min = wkClock, toks[i].val*60
				}
				if toks[i].kind == wkClock && toks[j].kind == wkHour && toks[j].val == 1 && j == i-1 {
					toks[i].swahili = true
				}
			}
		}
	}
	// Ranges: "2-4pm", "de 2 a 4", "between 2 and 4".
	for i := 0; i+2 < len(toks); i++ {
		a, b := &toks[i], &toks[i+2]
		if (a.kind != wkNum && a.kind != wkClock) || (b.kind != wkNum && b.kind != wkClock) {
			continue
		}
		switch k := toks[i+1].kind; {
		case k == wkTo:
		case (k == wkHour || k == wkBefore || k == wkAfter) && a.kind == wkClock && b.kind == wkClock:
			toks[i+1].kind = wkTo // "de 14h à 16h", "3時から5時"
		default:
			continue
		}
		if a.kind == wkNum && b.kind == wkNum && a.val > 24 {
			continue
		}
		if a.kind == wkNum {
			a.kind, a.min = wkClock, a.val*60
		}
		if b.kind == wkNum {
			b.kind, b.min = wkClock, b.val*60
		}
		if a.ampm == 0 && b.ampm != 0 && a.min < 12*60 && (b.ampm == 1 || a.min <= b.min%(12*60)) {
			a.ampm = b.ampm
		}
	}
	out := toks[:0]
	for _, t := range toks {
		if t.kind == wkHour {
			continue
		}
		if t.kind == wkClock {
			t.min = clockMinutes(t, morning, pmPart)
		}
		out = append(out, t)
	}
	return out
}

// clockMinutes applies am/pm, Swahili time and the clinic-hours guess.
func clockMinutes(t whenTok, morning, pmPart bool) int {
	h, m := t.min/60, t.min%60
	switch {
	case t.ampm == 2 && h < 12:
		h += 12
	case t.ampm == 1 && h == 12:
		h = 0
	case t.ampm == 0 && h <= 12:
		if t.swahili {
			h = (h + 6) % 12
		}
		if h < 12 && pmPart {
			h += 12
		} else if h >= 1 && h <= 7 && !morning {
			h += 12
		}
	}
	return (h%24)*60 + m
}

// ---- lexicon ----

// Boundary modes: where a table phrase may start and end.
const (
	boundFull = iota // whole words only (space-separated scripts)
	boundLeft        // must start a word; suffixes may follow (tr, ko, bn, hy)
	boundNone        // anywhere (zh, ja, th)
)

// lexEntry is one phrase of a language table and what it means.
type lexEntry struct {
	phrase    string
	kind      whenKind
	val, val2 int
}

// lexicon is a language table compiled for matching.
type lexicon struct {
	lang    string
	dpsLang string
	bound   int
	fold    bool
	order   string // numeric date order: "MD", "DM" or "YMD"
	byFirst map[rune][]lexEntry
}

// lexiconsFor returns the lexicons to read lang with: its own first, then
// its close kin (a misdetected Urdu text read as Persian still finds
// "کل"); for an unknown code, every language.
func lexiconsFor(lang string) []*lexicon {
	if lx, ok := whenLexicons[lang]; ok {
		out := []*lexicon{lx}
		for _, k := range whenKin[lang] {
			out = append(out, whenLexicons[k])
		}
		return out
	}
	out := make([]*lexicon, 0, len(whenLexicons))
	out = append(out, whenLexicons["en"])
	for _, l := range whenOrder {
		if l != "en" {
			out = append(out, whenLexicons[l])
		}
	}
	return out
}

// whenKin lists the languages tried after a language's own table found
// nothing: same script or often mixed in.
var whenKin = map[string][]string{
	"hi": {"ur", "pa"}, "ur": {"hi", "fa"}, "pa": {"hi", "ur"}, "fa": {"ar"}, "ar": {"fa"},
	"gu": {"hi"}, "bn": {"hi"}, "ru": {"uk"}, "uk": {"ru"}, "es": {"pt"}, "pt": {"es"}, "it": {"es"},
	"zh": {"ja"}, "ja": {"zh"}, "id": {"tl"}, "tl": {"es"},
}

// normalize brings text (or a table phrase) to the form the lexicon
// matches: Normalize, ASCII digits, unified Arabic-script letters and
// apostrophes, no harakat, and (except vi) Fold.
func (lx *lexicon) normalize(text string) string {
	s := Normalize(text)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case unicode.IsDigit(r):
			b.WriteRune('0' + digitValue(r))
		case r >= 0x064B && r <= 0x0652, r == 0x0640, r == 0x0670: // harakat, tatweel
		case r == 'أ', r == 'إ', r == 'آ', r == 'ٱ':
			b.WriteRune('ا')
		case r == 'ة', r == 'ۃ', r == 'ہ', r == 'ە':
			b.WriteRune('ه')
		case r == 'ي', r == 'ى', r == 'ې':
			b.WriteRune('ی')
		case r == 'ك':
			b.WriteRune('ک')
		case r == '’', r == '‘', r == 'ʼ', r == '`', r == '´':
			b.WriteByte('\'')
		case r == '–', r == '—', r == '〜', r == '～':
			b.WriteByte('-')
		default:
			b.WriteRune(r)
		}
	}
	if lx.fold {
		return Fold(b.String())
	}
	return b.String()
}

// digitValue is the value of a decimal digit of any script.
func digitValue(r rune) rune {
	v := rune(0)
	for v < 9 && unicode.IsDigit(r-v-1) {
		v++
	}
	return v
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '\''
}

func isLatin(r rune) bool { return r < 0x250 && unicode.IsLetter(r) }

// lex splits normalised text into tokens; unknown words are skipped.
func (lx *lexicon) lex(s string) []whenTok {
	var toks []whenTok
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		atStart := i == 0 || !isWordRune(prev) || isASCIIDigit(prev)
		if e, n, ok := lx.match(s, i, r, atStart); ok {
			toks = append(toks, whenTok{kind: e.kind, val: e.val, val2: e.val2})
			i += n
			continue
		}
		if isASCIIDigit(r) && isLatin(prev) && i > 0 {
			for i < len(s) { // Arabizi "ra2am", "sama7t": digits inside a word
				r, size = utf8.DecodeRuneInString(s[i:])
				if !isWordRune(r) {
					break
				}
				i += size
			}
			continue
		}
		if isASCIIDigit(r) {
			t, n := lx.lexNumber(s, i)
			toks = append(toks, t...)
			i = n
			continue
		}
		if r == '-' || r == '~' {
			if k := skipSpaces(s, i+size); k < len(s) && isASCIIDigit(rune(s[k])) {
				toks = append(toks, whenTok{kind: wkTo}) // "2-4pm"
			}
			i += size
			continue
		}
		if lx.bound != boundNone && isWordRune(r) && atStart {
			for i < len(s) { // skip the rest of an unknown word
				r, size = utf8.DecodeRuneInString(s[i:])
				if !isWordRune(r) || isASCIIDigit(r) {
					break
				}
				i += size
			}
			continue
		}
		i += size
	}
	return toks
}

// match finds the longest table phrase at s[i:].
func (lx *lexicon) match(s string, i int, r rune, atStart bool) (lexEntry, int, bool) {
	for _, e := range lx.byFirst[r] {
		if !strings.HasPrefix(s[i:], e.phrase) {
			continue
		}
		first, _ := utf8.DecodeRuneInString(e.phrase)
		last, _ := utf8.DecodeLastRuneInString(e.phrase)
		if !atStart && (lx.bound != boundNone || isLatin(first) || isASCIIDigit(first)) {
			continue
		}
		end := i + len(e.phrase)
		if end < len(s) {
			next, _ := utf8.DecodeRuneInString(s[end:])
			needRight := lx.bound == boundFull || (lx.bound == boundNone && isLatin(last))
			if needRight && isWordRune(next) && !(isASCIIDigit(next) && !isASCIIDigit(last)) {
				continue
			}
			if lx.bound != boundLeft && isWordRune(last) && unicode.IsMark(next) { // never cut a syllable
				continue
			}
		}
		return e, len(e.phrase), true
	}
	return lexEntry{}, 0, false
}

// hasUnknownLetters reports whether s has a run of three or more letters
// outside the table's phrases (a month name, "weeks"): worth asking
// go-dateparser.
func (lx *lexicon) hasUnknownLetters(s string) bool {
	run := 0
	var word strings.Builder
	flush := func() bool {
		w := word.String()
		word.Reset()
		n := run
		run = 0
		switch w {
		case "am", "pm", "uhr", "st", "nd", "rd", "th", "and", "the", "at":
			return false
		}
		return n >= 3
	}
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		atStart := i == 0 || !isWordRune(prev) || isASCIIDigit(prev)
		if _, m, ok := lx.match(s, i, r, atStart); ok {
			if flush() {
				return true
			}
			i += m
			continue
		}
		if unicode.IsLetter(r) || unicode.IsMark(r) {
			if run == 0 && (isASCIIDigit(prev) || prev == '\'') {
				run = -100 // a suffix glued to a number: "3'ten", "5th"
			}
			run++
			word.WriteRune(r)
		} else if flush() {
			return true
		}
		i += size
	}
	return flush()
}

// lexNumber reads a number at s[i] and what is written around it: a clock
// time ("10:30", "3pm", "15h30", "3点半", "3시"), a numeric date ("5/12",
// "2026-12-05", "12月5日", "12월 5일"), a day of month ("12th", "5号") or a
// bare number. A range dash is left for lex.
func (lx *lexicon) lexNumber(s string, i int) ([]whenTok, int) {
	n1, j := readInt(s, i)
	if j-i > 4 {
		return nil, j
	}
	clock := func(h, m, k int, hasMin bool) ([]whenTok, int) {
		t := whenTok{kind: wkClock, min: h*60 + m, hasMin: hasMin, strong: true}
		t.ampm, k = readAmPm(s, k)
		if h > 24 || m > 59 || (t.ampm != 0 && (h == 0 || h > 12)) {
			return []whenTok{{kind: wkNum, val: n1}}, k
		}
		return []whenTok{t}, k
	}
	rest := s[j:]
	switch {
	case strings.HasPrefix(rest, ":") && len(rest) >= 3 && isASCIIDigit(rune(rest[1])) && isASCIIDigit(rune(rest[2])):
		m, k := readInt(s, j+1)
		return clock(n1, m, k, true)
	case (strings.HasPrefix(rest, "h") || strings.HasPrefix(rest, "H")) && !startsWord(rest[1:]):
		k := j + 1
		m := 0
		if len(s) > k && isASCIIDigit(rune(s[k])) {
			m, k = readInt(s, k)
		}
		return clock(n1, m, k, m != 0)
	case len(rest) >= 2 && (rest[0] == '/' || rest[0] == '.') && isASCIIDigit(rune(rest[1])):
		n2, k := readInt(s, j+1)
		n3 := -1
		if len(s) > k+1 && s[k] == rest[0] && isASCIIDigit(rune(s[k+1])) {
			n3, k = readInt(s, k+1)
		} else if len(s) > k && s[k] == '.' {
			k++ // "5.12."
		}
		if rest[0] == '.' && n3 < 0 && n1 <= 24 && n2 < 60 && (k-j-1 == 2) {
			if ap, _ := readAmPm(s, k); ap != 0 || !lx.validDate(n1, n2) {
				return clock(n1, n2, k, true)
			}
		}
		if t, ok := lx.numericDate(n1, n2, n3); ok {
			return []whenTok{t}, k
		}
		return []whenTok{{kind: wkNum, val: n1}}, j
	case len(rest) >= 2 && rest[0] == '-' && n1 >= 1000 && isASCIIDigit(rune(rest[1])):
		m, k := readInt(s, j+1)
		if len(s) > k+1 && s[k] == '-' && isASCIIDigit(rune(s[k+1])) {
			d, k2 := readInt(s, k+1)
			if validMD(m, d) {
				return []whenTok{{kind: wkDate, y: n1, m: m, d: d}}, k2
			}
		}
		return nil, k
	}
	// CJK and Korean markers, possibly after a space ("12월 5일").
	k := skipSpaces(s, j)
	rest = s[k:]
	switch {
	case hasAnyPrefix(rest, "月", "월") != "":
		_, sz := utf8.DecodeRuneInString(rest)
		k2 := skipSpaces(s, k+sz)
		if k2 < len(s) && isASCIIDigit(rune(s[k2])) {
			d, k3 := readInt(s, k2)
			k3 = skipSpaces(s, k3)
			if p := hasAnyPrefix(s[k3:], "日", "号", "號", "일"); p != "" && validMD(n1, d) {
				return []whenTok{{kind: wkDate, m: n1, d: d}}, k3 + len(p)
			}
			if validMD(n1, d) {
				return []whenTok{{kind: wkDate, m: n1, d: d}}, k3
			}
		}
		return nil, k + sz
	case hasAnyPrefix(rest, "日", "号", "號", "일") != "" && hasAnyPrefix(rest, "日曜", "일요", "日本") == "" && n1 >= 1 && n1 <= 31:
		p := hasAnyPrefix(rest, "日", "号", "號", "일")
		return []whenTok{{kind: wkMonthDay, d: n1}}, k + len(p)
	case hasAnyPrefix(rest, "点", "點", "时", "時", "시") != "":
		p := hasAnyPrefix(rest, "点", "點", "时", "時", "시")
		k2 := skipSpaces(s, k+len(p))
		m := 0
		if q := hasAnyPrefix(s[k2:], "半", "반"); q != "" {
			m, k2 = 30, k2+len(q)
		} else if k2 < len(s) && isASCIIDigit(rune(s[k2])) {
			mm, k3 := readInt(s, k2)
			if q := hasAnyPrefix(s[skipSpaces(s, k3):], "分", "분"); q != "" {
				m, k2 = mm, skipSpaces(s, k3)+len(q)
			}
		}
		return clock(n1, m, k2, m != 0)
	}
	if lx.lang == "en" || lx.bound == boundLeft || lx.fold {
		if suf := hasAnyPrefix(s[j:], "st", "nd", "rd", "th"); suf != "" && !startsWord(s[j+2:]) && n1 >= 1 && n1 <= 31 {
			return []whenTok{{kind: wkMonthDay, d: n1}}, j + 2
		}
	}
	if ap, k2 := readAmPm(s, j); ap != 0 {
		return clock(n1, 0, k2-0, false)
	}
	return []whenTok{{kind: wkNum, val: n1}}, j
}

// validDate reports whether a/b reads as a date in the lexicon's order.
func (lx *lexicon) validDate(a, b int) bool {
	_, ok := lx.numericDate(a, b, -1)
	return ok
}

// numericDate reads "a/b[/c]" in the lexicon's order.
func (lx *lexicon) numericDate(a, b, c int) (whenTok, bool) {
	m, d, y := a, b, c
	switch {
	case lx.order == "DM":
		m, d = b, a
	case lx.order == "YMD" && c >= 0 && a > 31: // 2026/12/5
		y, m, d = a, b, c
	}
	if y >= 0 && y < 100 {
		y += 2000
	}
	if y < 0 {
		y = 0
	}
	if !validMD(m, d) || (y != 0 && (y < 2000 || y > 2100)) {
		return whenTok{}, false
	}
	return whenTok{kind: wkDate, y: y, m: m, d: d}, true
}

func validMD(m, d int) bool { return m >= 1 && m <= 12 && d >= 1 && d <= 31 }

func readInt(s string, i int) (int, int) {
	n := 0
	j := i
	for j < len(s) && isASCIIDigit(rune(s[j])) {
		if j-i < 6 {
			n = n*10 + int(s[j]-'0')
		}
		j++
	}
	return n, j
}

func skipSpaces(s string, i int) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i
}

// startsWord reports whether s begins with a letter or digit.
func startsWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && isWordRune(r)
}

// hasAnyPrefix returns the first of ps that s starts with, or "".
func hasAnyPrefix(s string, ps ...string) string {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return p
		}
	}
	return ""
}

// readAmPm reads "am", "a.m.", "pm", "p.m." (or an attached "a"/"p") at
// s[i], after optional spaces; 1 am, 2 pm.
func readAmPm(s string, i int) (int8, int) {
	k := skipSpaces(s, i)
	for _, c := range []struct {
		p string
		v int8
	}{{"a.m.", 1}, {"p.m.", 2}, {"a.m", 1}, {"p.m", 2}, {"am", 1}, {"pm", 2}} {
		if strings.HasPrefix(s[k:], c.p) && !startsWord(s[k+len(c.p):]) {
			return c.v, k + len(c.p)
		}
	}
	if k == i && k < len(s) && (s[k] == 'a' || s[k] == 'p') && !startsWord(s[k+1:]) {
		if s[k] == 'a' {
			return 1, k + 1
		}
		return 2, k + 1
	}
	return 0, i
}

// ---- the tables ----

// whenWords is one language's table. Each field lists phrases separated by
// "|"; matching ignores case and (except vi) accents, so write each phrase
// once in its usual spelling and add unaccented or romanised spellings only
// where they differ after folding. Days run Sunday to Saturday.
type whenWords struct {
	today, tomorrow, dayAfter, tonight string
	thisWeek, nextWeek                 string
	days                               [7]string
	next                               string // "next"/"coming" beside a weekday
	morning, noon, afternoon, evening  string
	after, before, hour, to, not       string
	first, second, third, last         string
	earlier, later                     string
	order                              string // numeric dates: "MD", "DM", "YMD"
	bound                              int
	noFold                             bool   // vi: accents distinguish words
	dpsLang                            string // go-dateparser code when it differs
	saa                                string // hour markers read in Swahili time
}

// whenOrder is the order lexicons are tried for an unknown language code.
var whenOrder = []string{
	"en", "es", "zh", "vi", "ko", "tl", "ru", "ar", "fr", "pt",
	"pl", "hi", "ja", "de", "it", "fa", "ur", "gu", "bn", "pa",
	"hy", "uk", "el", "he", "so", "th", "tr", "id", "sw", "yo",
}

// whenTables holds every language's words in one place.
var whenTables = map[string]whenWords{
	"en": {
		today: "today|todays|2day|tdy", tomorrow: "tomorrow|tmrw|tmr|tmrow|tomorow|tommorow|tommorrow|2morrow|2moro|2mrw|tomoro",
		dayAfter: "day after tomorrow|the day after tomorrow|overmorrow", tonight: "tonight|tonite|this evening|2nite",
		thisWeek: "this week|later this week|rest of the week|end of the week|end of this week",
		nextWeek: "next week|the week after|following week|nxt week|next wk|the next week",
		days: [7]string{"sunday|sun|sundays", "monday|mon|mondays", "tuesday|tue|tues|tuesdays", "wednesday|wed|weds|wednesdays",
			"thursday|thu|thur|thurs|thursdays", "friday|fri|fridays", "saturday|sat|saturdays"},
		next:    "next|coming|this coming|nxt",
		morning: "morning|mornings|in the morning|first thing", noon: "noon|midday|lunch|lunchtime|lunch time|around lunch",
		afternoon: "afternoon|afternoons|in the afternoon|pm|p.m.|after lunch|arvo", evening: "evening|evenings|in the evening|night|after work",
		after:  "after|from|past|later than|not before|no earlier than|starting|starting at|anytime after|any time after",
		before: "before|by|until|till|til|no later than|not after|earlier than", hour: "o'clock|oclock|at|around|about",
		to: "to|and|through|till|until", not: "except|but not|not|other than|but|any day but|anything but",
		first: "first|first one|1st one", second: "second|second one|2nd one", third: "third|third one|3rd one", last: "last|last one|final|latter",
		earlier: "earlier|earliest|sooner|soonest|asap|as soon as possible|earlier one", later: "later|latest|later one",
		order: "MD",
	},
	"es": {
		today: "hoy|hoy mismo", tomorrow: "mañana|mñn|mñna", dayAfter: "pasado mañana", tonight: "esta noche|hoy en la noche|hoy por la noche",
		thisWeek: "esta semana|en esta semana", nextWeek: "la semana que viene|semana que viene|la próxima semana|próxima semana|la otra semana|la semana próxima",
		days:    [7]string{"domingo|dom", "lunes|lun", "martes", "miércoles|mie|mier|miérc", "jueves|jue", "viernes|vie", "sábado|sab"},
		next:    "próximo|próxima|que viene|siguiente",
		morning: "por la mañana|de la mañana|en la mañana|temprano por la mañana|mañanita", noon: "mediodía|al mediodía|hora de comer|hora del almuerzo|almuerzo",
		afternoon: "por la tarde|de la tarde|en la tarde|tarde|tardes|tardecita", evening: "por la noche|de la noche|en la noche|noche|noches",
		after:  "después de las|después de la|después de|después|a partir de las|a partir de|desde las|pasadas las|más tarde de las",
		before: "antes de las|antes de la|antes de|antes|hasta las|a más tardar", hour: "a las|a la|las|horas|hrs",
		to: "a|y|hasta", not: "menos|excepto|salvo|que no sea|menos el|excepto el",
		first: "primero|primera|el primero|la primera|1º|1ro|1ra", second: "segundo|segunda|el segundo|la segunda|2º|2do|2da", third: "tercero|tercera|el tercero|3º|3ro|3ra",
		last: "último|última|el último|la última", earlier: "más temprano|más pronto|lo antes posible|cuanto antes|el más temprano|el de antes", later: "más tarde|el más tarde|el de después|mas tardecito",
		order: "DM",
	},
	"zh": {
		today: "今天|今日|今儿", tomorrow: "明天|明日|明儿", dayAfter: "后天|後天", tonight: "今晚|今天晚上|今夜",
		thisWeek: "这周|這週|这週|本周|本週|这星期|这个星期|這個星期|这礼拜|這禮拜", nextWeek: "下周|下週|下星期|下个星期|下個星期|下礼拜|下禮拜",
		next:    "下个|下個",
		morning: "上午|早上|早晨|清早|一早", noon: "中午|午饭时间|午休|午饭", afternoon: "下午|午后|午後", evening: "晚上|傍晚|晚间|夜里|晚",
		after: "以后|以後|之后|之後|后|後|过后|過後|以后都行", before: "以前|之前|前", hour: "",
		to: "到|至", not: "除了|不要|不是",
		first: "第一个|第一個|第一|第1个|第1個|头一个", second: "第二个|第二個|第二|第2个|第2個", third: "第三个|第三個|第三|第3个|第3個",
		last: "最后一个|最後一個|最后|最後", earlier: "早一点|早一點|早点|早點|早的|最早|较早|提前|更早", later: "晚一点|晚一點|晚点|晚點|晚的|最晚|较晚|更晚",
		order: "YMD", bound: boundNone,
	},
	"vi": {
		today: "hôm nay|hnay|bữa nay|hom nay", tomorrow: "ngày mai|mai|ngay mai", dayAfter: "ngày mốt|mốt|ngày kia|ngay mot", tonight: "tối nay|toi nay",
		thisWeek: "tuần này|tuan nay", nextWeek: "tuần sau|tuần tới|tuan sau|tuan toi",
		days: [7]string{"chủ nhật|cn|chu nhat", "thứ hai|thứ 2|t2|thu hai|thu 2", "thứ ba|thứ 3|t3|thu ba|thu 3", "thứ tư|thứ 4|t4|thu tu|thu 4",
			"thứ năm|thứ 5|t5|thu nam|thu 5", "thứ sáu|thứ 6|t6|thu sau|thu 6", "thứ bảy|thứ 7|t7|thu bay|thu 7"},
		next:    "tới|toi",
		morning: "buổi sáng|sáng|buoi sang", noon: "buổi trưa|trưa|buoi trua|trua", afternoon: "buổi chiều|chiều|buoi chieu|chieu", evening: "buổi tối|tối|buoi toi",
		after: "sau|sau khi|từ", before: "trước|truoc|trước khi", hour: "giờ|gio|lúc|luc",
		to: "đến|tới", not: "trừ|ngoại trừ|không phải",
		first: "cái đầu tiên|đầu tiên|cái đầu|thứ nhất|cái thứ nhất|số 1", second: "cái thứ hai|cái thứ 2|số 2|cái hai", third: "cái thứ ba|cái thứ 3|số 3",
		last: "cái cuối|cuối cùng|cái cuối cùng", earlier: "sớm hơn|sớm nhất|som hon|cái sớm", later: "muộn hơn|trễ hơn|muộn nhất|cái muộn|tre hon",
		order: "DM", noFold: true,
	},
	"ko": {
		today: "오늘", tomorrow: "내일|낼", dayAfter: "모레|내일모레|낼모레", tonight: "오늘밤|오늘 밤|오늘 저녁|오늘저녁",
		thisWeek: "이번주|이번 주|금주", nextWeek: "다음주|다음 주|담주|다음 주에|차주",
		days:    [7]string{"일요일|일욜", "월요일|월욜", "화요일|화욜", "수요일|수욜", "목요일|목욜", "금요일|금욜", "토요일|토욜"},
		next:    "다음|담",
		morning: "오전|아침", noon: "점심|정오|점심시간|점심 시간", afternoon: "오후", evening: "저녁|밤",
		after: "이후|후|넘어서|지나서|부터|이후에", before: "전|이전|까지|전에", hour: "",
		to: "에서", not: "말고|빼고|제외",
		first: "첫번째|첫 번째|첫째|1번|처음|첫번째꺼", second: "두번째|두 번째|둘째|2번", third: "세번째|세 번째|셋째|3번",
		last: "마지막|마지막꺼", earlier: "더 빠른|빠른|이른|제일 빠른|더 일찍|일찍", later: "더 늦은|늦은|제일 늦은|더 늦게",
		order: "YMD", bound: boundLeft,
	},
	"tl": {
		today: "ngayon|ngayong araw|ngayon araw", tomorrow: "bukas|bkas|bukas ng", dayAfter: "sa makalawa|makalawa", tonight: "mamayang gabi|ngayong gabi",
		thisWeek: "ngayong linggo|itong linggo|this week", nextWeek: "sa susunod na linggo|susunod na linggo|sa isang linggo",
		days:    [7]string{"linggo", "lunes", "martes", "miyerkules|miyerkoles", "huwebes", "biyernes|byernes", "sabado"},
		next:    "susunod na|sa susunod na",
		morning: "umaga|sa umaga|ng umaga", noon: "tanghali|tanghalian|sa tanghali", afternoon: "hapon|sa hapon|ng hapon", evening: "gabi|sa gabi|ng gabi",
		after: "pagkatapos ng|pagkatapos|makalipas ang|lampas", before: "bago ang|bago mag|bago|hanggang", hour: "alas",
		to: "hanggang|-", not: "maliban sa|wag sa|huwag sa",
		first: "una|unang|yung una|ang una|yung unang", second: "pangalawa|ikalawa|yung pangalawa", third: "pangatlo|ikatlo|yung pangatlo",
		last: "huli|yung huli|huling", earlier: "mas maaga|mas maagang|maaga", later: "mas huli|mas late|mamaya",
		order: "MD",
	},
	"ru": {
		today: "сегодня|сёдня|седня", tomorrow: "завтра", dayAfter: "послезавтра", tonight: "сегодня вечером",
		thisWeek: "на этой неделе|эта неделя|этой неделе", nextWeek: "на следующей неделе|следующей неделе|на след неделе|на будущей неделе|следующая неделя|на следующей",
		days: [7]string{"воскресенье|воскресенья|вс|воскр", "понедельник|понедельника|пн", "вторник|вторника|вт", "среда|среду|среды|ср",
			"четверг|четверга|чт", "пятница|пятницу|пятницы|пт", "суббота|субботу|субботы|сб"},
		next:    "следующий|следующую|следующее|в следующий|в следующую|ближайший|ближайшую",
		morning: "утром|утро|с утра|утречком|до обеда", noon: "в обед|обед|в полдень|полдень|обеденное время", afternoon: "днём|днем|после обеда|после полудня|во второй половине дня|днем после обеда",
		evening: "вечером|вечер|вечерком",
		after:   "после|с|не раньше|позже|начиная с", before: "до|не позже|к", hour: "в|час|часа|часов|ч",
		to: "до|-", not: "кроме|только не|но не",
		first: "первый|первое|первая|первую|первого", second: "второй|второе|вторая|вторую|второго", third: "третий|третье|третья|третью|третьего",
		last: "последний|последнее|последнюю|последняя", earlier: "пораньше|раньше|ранний|самый ранний|более ранний", later: "попозже|позже|поздний|более поздний",
		order: "DM",
	},
	"uk": {
		today: "сьогодні", tomorrow: "завтра", dayAfter: "післязавтра", tonight: "сьогодні ввечері",
		thisWeek: "цього тижня|на цьому тижні", nextWeek: "наступного тижня|на наступному тижні|наступний тиждень",
		days:    [7]string{"неділя|неділю|нд", "понеділок|пн", "вівторок|вт", "середа|середу|ср", "четвер|чт", "п'ятниця|п'ятницю|пятниця|пятницю|пт", "субота|суботу|сб"},
		next:    "наступний|наступну|наступного|найближчий|найближчу",
		morning: "зранку|вранці|уранці|ранок|з ранку", noon: "в обід|обід|опівдні|у обід", afternoon: "вдень|удень|після обіду|по обіді|після обід",
		evening: "ввечері|увечері|вечір|вечором",
		after:   "після|з|не раніше|пізніше", before: "до|не пізніше", hour: "о|об|година|годині|годину|год",
		to: "до|-", not: "крім|тільки не|але не",
		first: "перший|перше|першу|перша", second: "другий|друге|другу|друга", third: "третій|третє|третю|третя",
		last: "останній|останнє|останню|остання", earlier: "раніше|раніший|найраніший|рання", later: "пізніший|найпізніший|пізній",
		order: "DM",
	},
	"ar": {
		today: "اليوم|النهارده|النهاردة|الحين", tomorrow: "غدا|بكرة|بكره|بكرا|الغد|بكرة|bukra|bokra", dayAfter: "بعد غد|بعد بكرة|بعد بكره|بعد بكرا", tonight: "الليلة|الليله",
		thisWeek: "هذا الأسبوع|الأسبوع ده|هالاسبوع|هالأسبوع", nextWeek: "الأسبوع القادم|الأسبوع الجاي|الأسبوع المقبل|الأسبوع اللي جاي|الاسبوع الجاي",
		days: [7]string{"الأحد|يوم الأحد|احد", "الاثنين|الإثنين|الاتنين|يوم الاثنين|اثنين", "الثلاثاء|الثلاثا|التلات|يوم الثلاثاء|ثلاثاء",
			"الأربعاء|الاربع|يوم الأربعاء|اربعاء", "الخميس|خميس|يوم الخميس", "الجمعة|جمعة|يوم الجمعة", "السبت|سبت|يوم السبت"},
		next:    "القادم|الجاي|المقبل|الجاية|القادمة|اللي جاي",
		morning: "صباحا|الصبح|صباح|الصباح|الصباحية", noon: "الظهر|ظهرا|الظهيرة|الضهر", afternoon: "بعد الظهر|العصر|عصرا|بعد الضهر|بعد الظهيرة",
		evening: "مساء|المساء|بالليل|الليل|ليلا|مسا",
		after:   "بعد|بعد الساعة|من الساعة|من", before: "قبل|قبل الساعة|حتى|لحد", hour: "الساعة|الساعه|ساعة",
		to: "إلى|الى|لين", not: "ما عدا|إلا|غير|ماعدا|مش",
		first: "الأول|الأولى|أول", second: "الثاني|الثانية|التاني|التانية", third: "الثالث|الثالثة|التالت|التالتة",
		last: "الأخير|الأخيرة|آخر", earlier: "الأبكر|أبكر|الأقرب|بدري|أقرب|الاقرب", later: "الأبعد|أبعد|متأخر|المتأخر|الأخر",
		order: "DM",
	},
	"fr": {
		today: "aujourd'hui|aujourdhui|auj|ajd", tomorrow: "demain|dem1|2main", dayAfter: "après-demain|après demain", tonight: "ce soir|ce soir-là",
		thisWeek: "cette semaine", nextWeek: "la semaine prochaine|semaine prochaine|la semaine d'après|la semaine suivante",
		days:    [7]string{"dimanche|dim", "lundi|lun", "mardi", "mercredi|merc", "jeudi|jeu", "vendredi|ven|vend", "samedi|sam"},
		next:    "prochain|prochaine",
		morning: "matin|le matin|matinée|dans la matinée|en matinée", noon: "midi|à midi|le midi|heure du déjeuner|pause déjeuner",
		afternoon: "après-midi|apres midi|l'après-midi|aprem|aprèm|dans l'après-midi|en après-midi", evening: "soir|le soir|soirée|en soirée|en fin de journée",
		after: "après|à partir de|dès|plus tard que|pas avant", before: "avant|jusqu'à|au plus tard|pas après", hour: "à|vers|heures|heure",
		to: "à|et", not: "sauf|pas le|excepté|hormis",
		first: "premier|première|le premier|la première|1er|1ère", second: "deuxième|second|seconde|le deuxième|2e|2ème", third: "troisième|le troisième|3e|3ème",
		last: "dernier|dernière|le dernier|la dernière", earlier: "plus tôt|le plus tôt|au plus vite|plus tot", later: "plus tard|le plus tard",
		order: "DM",
	},
	"pt": {
		today: "hoje", tomorrow: "amanhã|amnh|amanha", dayAfter: "depois de amanhã", tonight: "hoje à noite|hoje a noite|esta noite",
		thisWeek: "esta semana|essa semana|nesta semana|nessa semana", nextWeek: "semana que vem|próxima semana|na próxima semana|semana seguinte|na semana que vem",
		days: [7]string{"domingo|dom", "segunda-feira|segunda feira|segunda|seg|2ª feira", "terça-feira|terça feira|terça|3ª feira",
			"quarta-feira|quarta feira|quarta|qua|4ª feira", "quinta-feira|quinta feira|quinta|qui|5ª feira", "sexta-feira|sexta feira|sexta|6ª feira", "sábado|sab"},
		next:    "próxima|próximo|que vem",
		morning: "de manhã|pela manhã|manhã|na parte da manhã|de manhazinha", noon: "meio-dia|meio dia|almoço|hora do almoço|ao meio-dia",
		afternoon: "à tarde|de tarde|tarde|pela tarde|na parte da tarde", evening: "à noite|de noite|noite|pela noite",
		after: "depois das|depois da|depois de|depois|a partir das|a partir de|após", before: "antes das|antes da|antes de|antes|até", hour: "às|as|horas|hora",
		to: "às|e|até", not: "menos|exceto|sem ser|fora",
		first: "primeiro|primeira|o primeiro|a primeira|1º|1ª", second: "segundo|o segundo|a segunda opção|segunda opção|2º|2ª", third: "terceiro|terceira|o terceiro|3º|3ª",
		last: "último|última|o último|a última", earlier: "mais cedo|o mais cedo|o quanto antes|quanto antes", later: "mais tarde|o mais tarde",
		order: "DM",
	},
	"pl": {
		today: "dziś|dzisiaj", tomorrow: "jutro", dayAfter: "pojutrze", tonight: "dziś wieczorem|dzisiaj wieczorem",
		thisWeek: "w tym tygodniu|ten tydzień", nextWeek: "w przyszłym tygodniu|przyszły tydzień|w następnym tygodniu|następny tydzień|za tydzień",
		days:    [7]string{"niedziela|niedzielę|niedz|nd", "poniedziałek|pon|pn", "wtorek|wt", "środa|środę|śr", "czwartek|czw", "piątek|pt|pią", "sobota|sobotę|sob"},
		next:    "następny|następną|przyszły|przyszłą|najbliższy|najbliższą",
		morning: "rano|rankiem|przed południem|z rana", noon: "w południe|południe|w porze lunchu|w porze obiadu", afternoon: "po południu|popołudniu|popołudnie",
		evening: "wieczorem|wieczór",
		after:   "po|od|nie wcześniej niż|później niż", before: "przed|do|nie później niż", hour: "o|godz|godzina|godzinie|godz.",
		to: "do|-", not: "oprócz|poza|byle nie|tylko nie|ale nie",
		first: "pierwszy|pierwsza|pierwsze|pierwszą", second: "drugi|druga|drugie|drugą", third: "trzeci|trzecia|trzecie|trzecią",
		last: "ostatni|ostatnia|ostatnie|ostatnią", earlier: "wcześniejszy|wcześniej|najwcześniejszy|wcześniejsza|wcześniejszą", later: "późniejszy|później|najpóźniejszy|późniejsza|późniejszą",
		order: "DM",
	},
	"hi": {
		today: "आज|aaj|aj", tomorrow: "कल|kal|kl|kal ko|कल को", dayAfter: "परसों|parso|parson|parsoon|parsun", tonight: "आज रात|aaj raat|aj rat",
		thisWeek: "इस हफ्ते|इस सप्ताह|is hafte|is week|iss hafte", nextWeek: "अगले हफ्ते|अगले सप्ताह|agle hafte|agle week|next hafte|agle hafta",
		days: [7]string{"रविवार|इतवार|ravivar|raviwar|itvaar|itwar", "सोमवार|somvar|somwar", "मंगलवार|mangalvar|mangalwar|mangal",
			"बुधवार|budhvar|budhwar|budh", "गुरुवार|बृहस्पतिवार|guruvar|guruwar|brihaspativar|veervar|virvar", "शुक्रवार|shukravar|shukrawar|sukravar|shukra",
			"शनिवार|shanivar|shaniwar"},
		next:    "अगले|अगला|agle|agla|aane wale|आने वाले",
		morning: "सुबह|subah|subha|savere|सवेरे|subeh", noon: "लंच|lunch time", afternoon: "दोपहर|dopahar|dopehar|dupahar|dopahar ko",
		evening: "शाम|shaam|sham|रात|raat|रात को|shaam ko",
		after:   "के बाद|बाद|ke baad|baad|ke bad|bad", before: "से पहले|पहले|se pehle|pehle|tak|तक", hour: "बजे|baje|bje|bajey",
		to: "से|se", not: "को छोड़कर|छोड़कर|chhodkar|ke alawa|के अलावा|ke ilawa",
		first: "पहला|पहले वाला|pehla|pehle wala|pahla|pehla wala", second: "दूसरा|दूसरे वाला|dusra|doosra|dusre wala|dusra wala", third: "तीसरा|तीसरे वाला|teesra|tisra|teesra wala",
		last: "आखिरी|आख़िरी|aakhri|akhri|last wala", earlier: "जल्दी|jaldi|jaldi wala|पहले वाला", later: "बाद वाला|baad wala|der wala|देर वाला",
		order: "DM",
	},
	"ja": {
		today: "今日|きょう|本日", tomorrow: "明日|あした|あす", dayAfter: "明後日|あさって", tonight: "今夜|今晩|こんばん|今日の夜",
		thisWeek: "今週|こんしゅう", nextWeek: "来週|らいしゅう|次の週|翌週",
		days: [7]string{"日曜日|日曜|にちようび", "月曜日|月曜|げつようび", "火曜日|火曜|かようび", "水曜日|水曜|すいようび",
			"木曜日|木曜|もくようび", "金曜日|金曜|きんようび", "土曜日|土曜|どようび"},
		next:    "次の|今度の",
		morning: "午前|午前中|朝|あさ", noon: "昼|お昼|正午|昼頃|ランチ", afternoon: "午後|ごご|昼過ぎ|昼すぎ", evening: "夕方|夜|晩|夕",
		after: "以降|以後|から|過ぎ|すぎ|後", before: "前|まで|より前|以前", hour: "",
		to: "〜|から", not: "以外|じゃなく",
		first: "1番目|一番目|最初|1つ目|一つ目|1番|最初の", second: "2番目|二番目|2つ目|二つ目|2番", third: "3番目|三番目|3つ目|三つ目|3番",
		last: "最後|最後の", earlier: "早い方|早いほう|一番早い|早い|早め", later: "遅い方|遅いほう|遅い|遅め",
		order: "YMD", bound: boundNone,
	},
	"de": {
		today: "heute", tomorrow: "morgen", dayAfter: "übermorgen|uebermorgen", tonight: "heute abend|heut abend",
		thisWeek: "diese woche|in dieser woche", nextWeek: "nächste woche|naechste woche|kommende woche|nächster woche|in der nächsten woche|nächsten woche|kommenden woche",
		days:    [7]string{"sonntag|sonntags", "montag|montags", "dienstag|dienstags", "mittwoch|mittwochs", "donnerstag|donnerstags", "freitag|freitags", "samstag|samstags|sonnabend"},
		next:    "nächsten|nächster|nächste|naechsten|kommenden|kommende",
		morning: "morgens|vormittag|vormittags|am morgen|früh|in der früh|am vormittag|frueh", noon: "mittag|mittags|mittagszeit|zur mittagszeit|mittagspause",
		afternoon: "nachmittag|nachmittags|am nachmittag", evening: "abend|abends|am abend",
		after: "nach|ab|später als|frühestens|nicht vor", before: "vor|bis|spätestens|nicht nach", hour: "uhr|um|gegen",
		to: "bis|und|-", not: "außer|ausser|nur nicht|nicht am|aber nicht",
		first: "erste|ersten|erster|erstes", second: "zweite|zweiten|zweiter|zweites", third: "dritte|dritten|dritter|drittes",
		last: "letzte|letzten|letzter|letztes", earlier: "früher|frueher|frühere|früheren|früheste|frühesten|eher", later: "später|spaeter|spätere|späteren|späteste",
		order: "DM",
	},
	"it": {
		today: "oggi", tomorrow: "domani", dayAfter: "dopodomani|dopo domani", tonight: "stasera|stanotte|questa sera",
		thisWeek: "questa settimana", nextWeek: "la settimana prossima|settimana prossima|la prossima settimana|prossima settimana|settimana che viene",
		days:    [7]string{"domenica|dom", "lunedì|lun", "martedì", "mercoledì", "giovedì|gio", "venerdì|ven", "sabato|sab"},
		next:    "prossimo|prossima",
		morning: "mattina|di mattina|la mattina|mattino|in mattinata|mattinata", noon: "mezzogiorno|a pranzo|ora di pranzo|pranzo",
		afternoon: "pomeriggio|di pomeriggio|nel pomeriggio", evening: "sera|di sera|la sera|serata|in serata",
		after: "dopo le|dopo|dalle|a partire dalle|dalle ore", before: "prima delle|prima|entro le|entro|non oltre le", hour: "alle|ore|verso le",
		to: "alle|e|-", not: "tranne|eccetto|salvo|non di",
		first: "primo|il primo|la prima", second: "secondo|il secondo|la seconda", third: "terzo|il terzo|la terza",
		last: "ultimo|l'ultimo|ultima|l'ultima", earlier: "più presto|prima possibile|quello prima|il più presto|più presto possibile", later: "più tardi|quello dopo|il più tardi",
		order: "DM",
	},
	"fa": {
		today: "امروز|emruz|emrooz", tomorrow: "فردا|farda", dayAfter: "پس فردا|پسفردا|pasfarda|pas farda", tonight: "امشب|emshab",
		thisWeek: "این هفته|in hafte", nextWeek: "هفته بعد|هفته آینده|هفته دیگه|هفته دیگر|هفته ی بعد|hafte bad|hafteye bad|hafte baad",
		days: [7]string{"یکشنبه|یک شنبه|yekshanbe", "دوشنبه|دو شنبه|doshanbe", "سه شنبه|سهشنبه|seshanbe", "چهارشنبه|چهار شنبه|chaharshanbe",
			"پنجشنبه|پنج شنبه|panjshanbe", "جمعه|jome|jomeh", "شنبه|shanbe"},
		next:    "آینده|بعدی|دیگه",
		morning: "صبح|sobh|صبح زود", noon: "ظهر|zohr|وقت ناهار", afternoon: "بعدازظهر|بعد از ظهر|عصر|asr|bad az zohr", evening: "شب|shab|غروب",
		after: "بعد از|بعد|از ساعت|bad az", before: "قبل از|قبل|تا|ghabl az|پیش از", hour: "ساعت|saat",
		to: "تا", not: "به جز|بجز|غیر از|جز",
		first: "اولی|اول|اولین|avali", second: "دومی|دوم|دومین|dovomi", third: "سومی|سوم|سومین|sevomi",
		last: "آخری|آخر|akhari", earlier: "زودتر|zoodtar|زودترین", later: "دیرتر|dirtar|دیرترین",
		order: "DM",
	},
	"ur": {
		today: "آج|aaj|aj", tomorrow: "کل|kal|kl", dayAfter: "پرسوں|parso|parson", tonight: "آج رات|aaj raat",
		thisWeek: "اس ہفتے|is hafte", nextWeek: "اگلے ہفتے|اگلا ہفتہ|agle hafte|agla hafta",
		days:    [7]string{"اتوار|itwar|itvaar", "پیر|سوموار|pir|peer|somwar", "منگل|mangal", "بدھ|budh", "جمعرات|jumeraat|jumerat|jumeraat", "جمعہ|jumma|juma|jumah", "ہفتہ|ہفتے|hafta|haftay"},
		next:    "اگلے|اگلا|agle|agla",
		morning: "صبح|subah|subha|savere", noon: "lunch|لنچ", afternoon: "دوپہر|سہ پہر|dopahar|dopehar|dopehr", evening: "شام|رات|sham|shaam|raat",
		after: "کے بعد|بعد|ke baad|baad|ke bad", before: "سے پہلے|پہلے|se pehle|pehle|tak|تک", hour: "بجے|baje|bje",
		to: "سے|se", not: "کے علاوہ|علاوہ|چھوڑ کر|ke ilawa|ke alawa|chor kar",
		first: "پہلا|پہلے والا|pehla|pehla wala", second: "دوسرا|دوسرے والا|dusra|doosra", third: "تیسرا|teesra|tesra",
		last: "آخری|akhri|aakhri", earlier: "جلدی|jaldi|جلدی والا", later: "بعد والا|baad wala|دیر والا",
		order: "DM",
	},
	"gu": {
		today: "આજે|આજ|aaje|aje|aaj", tomorrow: "કાલે|કાલ|kale|kaale|kal", dayAfter: "પરમ દિવસે|પરમદિવસે|પરમ દિવસ|param divase|parmdivse", tonight: "આજે રાત્રે|aaje raate",
		thisWeek: "આ અઠવાડિયે|આ અઠવાડિયા", nextWeek: "આવતા અઠવાડિયે|આવતું અઠવાડિયું|આવતા અઠવાડિયા|આવતા વીક|avta athvadiye|aavta athvadiye",
		days:    [7]string{"રવિવાર|ravivar", "સોમવાર|somvar", "મંગળવાર|mangalvar", "બુધવાર|budhvar", "ગુરુવાર|guruvar", "શુક્રવાર|shukravar", "શનિવાર|shanivar"},
		next:    "આવતા|આવતી|આવતે|aavta|avta",
		morning: "સવારે|સવાર|savare|savar", noon: "લંચ|બપોરે બાર", afternoon: "બપોરે|બપોર|bapore|bapor", evening: "સાંજે|સાંજ|રાત્રે|sanje|saanje",
		after: "પછી|pachhi|pachi|બાદ", before: "પહેલાં|પહેલા|pehla|સુધી|sudhi", hour: "વાગ્યે|વાગે|vagye|vage",
		to: "થી|thi", not: "સિવાય|sivay",
		first: "પહેલો|પહેલું|પ્રથમ|પહેલી|pehlu|pelu", second: "બીજો|બીજું|બીજી|biju|bijo", third: "ત્રીજો|ત્રીજું|ત્રીજી|triju",
		last: "છેલ્લો|છેલ્લું|છેલ્લી|chhellu|chelu", earlier: "વહેલું|વહેલો|વહેલી|vahelu|jaldi", later: "મોડું|મોડો|modu",
		order: "DM", bound: boundLeft,
	},
	"bn": {
		today: "আজ|আজকে|aaj|aj|ajke", tomorrow: "আগামীকাল|কাল|কালকে|agamikal|kal|kalke", dayAfter: "পরশু|porshu|porsu", tonight: "আজ রাতে|aj rate",
		thisWeek: "এই সপ্তাহে|ei saptahe|ei soptahe", nextWeek: "আগামী সপ্তাহে|পরের সপ্তাহে|সামনের সপ্তাহে|porer soptahe|agami soptahe|samner soptahe",
		days:    [7]string{"রবিবার|robibar", "সোমবার|sombar", "মঙ্গলবার|mongolbar", "বুধবার|budhbar", "বৃহস্পতিবার|brihospotibar|bisshudbar", "শুক্রবার|shukrobar|sukrobar", "শনিবার|shonibar"},
		next:    "আগামী|পরের|সামনের|agami|porer|samner",
		morning: "সকালে|সকাল|sokale|shokale|sokal", noon: "দুপুর বারোটা|লাঞ্চ", afternoon: "দুপুরে|দুপুর|বিকেলে|বিকাল|বিকেল|bikele|dupure", evening: "সন্ধ্যায়|সন্ধ্যা|রাতে|sondhyay|sondhay|rate",
		after: "এর পরে|পরে|pore|er pore", before: "এর আগে|আগে|age|er age", hour: "টায়|টা|টার|বাজে|tay|ta|baje",
		to: "থেকে|theke", not: "ছাড়া|বাদে|chara",
		first: "প্রথম|প্রথমটা|prothom|prothomta", second: "দ্বিতীয়|দ্বিতীয়টা|ditiyo|ditiyota", third: "তৃতীয়|তৃতীয়টা|tritiyo",
		last: "শেষ|শেষেরটা|shesh|sheshta", earlier: "আগেরটা|তাড়াতাড়ি|taratari|agerta", later: "পরেরটা|দেরিতে|porerta",
		order: "DM", bound: boundLeft,
	},
	"pa": {
		today: "ਅੱਜ|ajj|aj|aaj", tomorrow: "ਕੱਲ੍ਹ|ਕੱਲ|ਭਲਕੇ|kal|kall|bhalke", dayAfter: "ਪਰਸੋਂ|parson|parso", tonight: "ਅੱਜ ਰਾਤ|ajj raat",
		thisWeek: "ਇਸ ਹਫ਼ਤੇ|is hafte", nextWeek: "ਅਗਲੇ ਹਫ਼ਤੇ|agle hafte|agle week",
		days: [7]string{"ਐਤਵਾਰ|aitvaar|etwar|aitwar", "ਸੋਮਵਾਰ|somvar|somvaar", "ਮੰਗਲਵਾਰ|mangalvar|mangalvaar", "ਬੁੱਧਵਾਰ|ਬੁਧਵਾਰ|budhvar|budhvaar",
			"ਵੀਰਵਾਰ|veervar|virvar|veervaar", "ਸ਼ੁੱਕਰਵਾਰ|ਸ਼ੁਕਰਵਾਰ|shukarvar|shukkarvar|shukarvaar", "ਸ਼ਨਿੱਚਰਵਾਰ|ਸ਼ਨੀਵਾਰ|ਸ਼ਨਿਚਰਵਾਰ|shanivar|sanicharvar"},
		next:    "ਅਗਲੇ|agle",
		morning: "ਸਵੇਰੇ|ਸਵੇਰ|savere|saver", noon: "ਲੰਚ|lunch", afternoon: "ਦੁਪਹਿਰ|ਦੁਪਹਿਰੇ|dupehar|dupahar|dopahar", evening: "ਸ਼ਾਮ|ਸ਼ਾਮੀਂ|ਸ਼ਾਮ ਨੂੰ|ਰਾਤ|sham|shaam",
		after: "ਤੋਂ ਬਾਅਦ|ਬਾਅਦ|ton baad|baad|ton bad", before: "ਤੋਂ ਪਹਿਲਾਂ|ਪਹਿਲਾਂ|ton pehlan|pehlan|tak|ਤੱਕ", hour: "ਵਜੇ|vaje|baje|vajje",
		to: "ਤੋਂ|ton", not: "ਤੋਂ ਇਲਾਵਾ|ਛੱਡ ਕੇ|ton ilava",
		first: "ਪਹਿਲਾ|ਪਹਿਲੀ|ਪਹਿਲੇ ਵਾਲਾ|pehla|pehli", second: "ਦੂਜਾ|ਦੂਜੀ|dooja|duja|dooji", third: "ਤੀਜਾ|ਤੀਜੀ|teeja|tija",
		last: "ਆਖਰੀ|ਆਖ਼ਰੀ|akhri|aakhri", earlier: "ਜਲਦੀ|ਪਹਿਲਾਂ ਵਾਲਾ|jaldi", later: "ਬਾਅਦ ਵਾਲਾ|baad wala|ਦੇਰ ਵਾਲਾ",
		order: "DM",
	},
	"hy": {
		today: "այսօր|aysor", tomorrow: "վաղը|վաղ|vaghy|vaxy|vaghe|vaxe", dayAfter: "վաղը չէ մյուս օրը|մյուս օրը", tonight: "այսօր երեկոյան|այս երեկո",
		thisWeek: "այս շաբաթ", nextWeek: "հաջորդ շաբաթ|գալիք շաբաթ|մյուս շաբաթ|hajord shabat",
		days:    [7]string{"կիրակի|kiraki", "երկուշաբթի|erkushabti", "երեքշաբթի|erekshabti", "չորեքշաբթի|chorekshabti", "հինգշաբթի|hingshabti", "ուրբաթ|urbat", "շաբաթ|shabat"},
		next:    "հաջորդ|գալիք|hajord",
		morning: "առավոտյան|առավոտ|aravotyan|aravot", noon: "կեսօրին|կեսօր|ճաշին", afternoon: "կեսօրից հետո|ճաշից հետո|ցերեկը|cereky", evening: "երեկոյան|երեկո|eregoyan|erekoyan",
		after: "ից հետո|հետո|heto", before: "ից առաջ|առաջ|մինչև|araj", hour: "ժամը|ժամ|zhamy|jamy",
		to: "մինչև", not: "բացի|baci",
		first: "առաջին|araji|arajin", second: "երկրորդ|erkrord", third: "երրորդ|errord",
		last: "վերջին|verjin", earlier: "ավելի շուտ|շուտ|shut|aveli shut", later: "ավելի ուշ|ուշ|ush|aveli ush",
		order: "DM", bound: boundLeft,
	},
	"el": {
		today: "σήμερα|simera", tomorrow: "αύριο|avrio|ayrio", dayAfter: "μεθαύριο|methavrio|methaurio", tonight: "απόψε|apopse",
		thisWeek: "αυτή την εβδομάδα|αυτή τη βδομάδα|τη βδομάδα|αυτην την εβδομαδα", nextWeek: "την επόμενη εβδομάδα|επόμενη εβδομάδα|την άλλη εβδομάδα|την άλλη βδομάδα|επόμενη βδομάδα|tin alli evdomada|epomeni evdomada",
		days:    [7]string{"κυριακή|kyriaki|kiriaki", "δευτέρα|deutera|deftera", "τρίτη|triti", "τετάρτη|tetarti", "πέμπτη|pempti", "παρασκευή|paraskevi|paraskeui", "σάββατο|savvato|sabbato"},
		next:    "επόμενη|επόμενο|την άλλη|epomeni",
		morning: "πρωί|το πρωί|πρωινό|proi|to proi", noon: "μεσημέρι|το μεσημέρι|mesimeri", afternoon: "απόγευμα|το απόγευμα|apogeuma|apogevma", evening: "βράδυ|το βράδυ|vradi|απόβραδο",
		after: "μετά τις|μετά από|μετά|meta", before: "πριν τις|πριν από|πριν|μέχρι|prin", hour: "στις|η ώρα|ώρα|stis",
		to: "με|έως|-", not: "εκτός|ektos|όχι",
		first: "πρώτο|πρώτη|το πρώτο|proto", second: "δεύτερο|δεύτερη|το δεύτερο|deutero|deftero", third: "τρίτο|το τρίτο|trito",
		last: "τελευταίο|τελευταία|teleutaio|teleftaio", earlier: "νωρίτερα|νωρίτερο|noritera|πιο νωρίς", later: "αργότερα|αργότερο|argotera|πιο αργά",
		order: "DM",
	},
	"he": {
		today: "היום", tomorrow: "מחר|ומחר", dayAfter: "מחרתיים", tonight: "הערב|הלילה",
		thisWeek: "השבוע|בשבוע הזה", nextWeek: "שבוע הבא|בשבוע הבא|השבוע הבא",
		days: [7]string{"יום ראשון|ביום ראשון|ראשון", "יום שני|ביום שני|שני|בשני", "יום שלישי|ביום שלישי|שלישי|בשלישי", "יום רביעי|ביום רביעי|רביעי|ברביעי",
			"יום חמישי|ביום חמישי|חמישי|בחמישי", "יום שישי|ביום שישי|שישי|בשישי", "שבת|יום שבת|בשבת"},
		next:    "הבא|הבאה",
		morning: "בבוקר|בוקר", noon: "בצהריים|צהריים|בצהרים", afternoon: "אחר הצהריים|אחרי הצהריים|אחה\"צ|אחהצ|אחה״צ", evening: "בערב|ערב",
		after: "אחרי|אחרי השעה|מהשעה", before: "לפני|עד|לפני השעה|עד השעה", hour: "בשעה|שעה|ב",
		to: "עד|-", not: "חוץ מ|חוץ מיום|לא ב|רק לא",
		first: "הראשון|הראשונה", second: "השני|השנייה|השניה", third: "השלישי|השלישית",
		last: "האחרון|האחרונה", earlier: "המוקדם|המוקדמת|מוקדם יותר|יותר מוקדם", later: "המאוחר|המאוחרת|מאוחר יותר|יותר מאוחר",
		order: "DM",
	},
	"so": {
		today: "maanta", tomorrow: "berri|berito", dayAfter: "saadambe|berri dambe|saa dambe", tonight: "caawa|caawo",
		thisWeek: "toddobaadkan|usbuucan|todobaadkan", nextWeek: "toddobaadka soo socda|toddobaadka dambe|usbuuca dambe|usbuuca soo socda|todobaadka dambe|todobaadka soo socda",
		days:    [7]string{"axad|axadda", "isniin|isniinta", "talaado|talaadada|salaasa", "arbaco|arbacada|arbaca", "khamiis|khamiista", "jimce|jimcaha|jimca|jimco", "sabti|sabtida"},
		next:    "soo socda|dambe|xiga",
		morning: "subax|subaxda|subaxnimo|aroor|aroortii", noon: "duhur|duhurkii|hadh", afternoon: "galab|galabta|galabnimo|casar", evening: "fiid|fiidkii|habeen|habeenkii",
		after: "kadib|ka dib|kaddib|wixii ka dambeeya", before: "ka hor|kahor|ka horeeya", hour: "saacadda|saac|saacad|sacadda",
		to: "ilaa", not: "aan ahayn|marka laga reebo|maahee",
		first: "kan koowaad|koowaad|kowaad|ugu horeeya|kan hore", second: "kan labaad|labaad", third: "kan saddexaad|saddexaad|sadexaad",
		last: "kan ugu dambeeya|ugu dambeeya|kan u dambeeya", earlier: "goor hore|dhakhso|kan hore ah|ka hor mari", later: "goor dambe|kan dambe",
		order: "DM",
	},
	"th": {
		today: "วันนี้", tomorrow: "พรุ่งนี้|พรุ่งนี|พุ่งนี้|พุ่งนี", dayAfter: "มะรืนนี้|มะรืน", tonight: "คืนนี้|เย็นนี้",
		thisWeek: "สัปดาห์นี้|อาทิตย์นี้|วีคนี้", nextWeek: "สัปดาห์หน้า|อาทิตย์หน้า|อาทิตย์ถัดไป|สัปดาห์ถัดไป|วีคหน้า",
		days:    [7]string{"วันอาทิตย์|อาทิตย์", "วันจันทร์|จันทร์", "วันอังคาร|อังคาร", "วันพุธ|พุธ", "วันพฤหัสบดี|วันพฤหัส|พฤหัสบดี|พฤหัส", "วันศุกร์|ศุกร์", "วันเสาร์|เสาร์"},
		next:    "หน้า|ถัดไป",
		morning: "ตอนเช้า|ช่วงเช้า|เช้า", noon: "ตอนเที่ยง|เที่ยง|กลางวัน", afternoon: "ตอนบ่าย|ช่วงบ่าย|บ่ายๆ|บ่าย", evening: "ตอนเย็น|เย็น|ค่ำ|กลางคืน",
		after: "หลังจาก|หลัง", before: "ก่อน", hour: "โมง|นาฬิกา",
		to: "ถึง", not: "ยกเว้น|ไม่เอา|ไม่ใช่",
		first: "อันแรก|แรก|ที่หนึ่ง|อันที่1|อันที่ 1", second: "อันที่สอง|ที่สอง|อันที่2|อันที่ 2", third: "อันที่สาม|ที่สาม|อันที่3|อันที่ 3",
		last: "อันสุดท้าย|สุดท้าย", earlier: "เร็วกว่า|เร็วที่สุด|เร็วๆ|เร็ว", later: "ช้ากว่า|ทีหลัง|ช้าๆ",
		order: "DM", bound: boundNone,
	},
	"tr": {
		today: "bugün", tomorrow: "yarın|yarin|yrn", dayAfter: "öbür gün|öbürgün|yarından sonra|ertesi gün", tonight: "bu akşam|bu gece",
		thisWeek: "bu hafta", nextWeek: "gelecek hafta|haftaya|önümüzdeki hafta|sonraki hafta|seneye haftaya",
		days:    [7]string{"pazar", "pazartesi|pzt", "salı|sali", "çarşamba|çrş", "perşembe|prş", "cuma", "cumartesi|cmt"},
		next:    "gelecek|önümüzdeki|haftaya|sonraki",
		morning: "sabah|sabahleyin|öğleden önce", noon: "öğle|öğlen|öğle vakti|öğle arası|öğlen arası", afternoon: "öğleden sonra|öğlen sonra|öğleden|ikindi",
		evening: "akşam|akşamüstü|akşam üstü|gece",
		after:   "sonra|itibaren", before: "önce|kadar|evvel", hour: "saat|saatte",
		to: "ile|-", not: "hariç|dışında|olmasın|olmaz",
		first: "birinci|ilk|ilki|ilkini", second: "ikinci|ikincisi|ikincisini", third: "üçüncü|üçüncüsü|üçüncüyü",
		last: "sonuncu|sonuncusu|sonuncuyu|son", earlier: "daha erken|en erken|erken olan|erkeni|erken", later: "daha geç|en geç|geç olan|geçi",
		order: "DM", bound: boundLeft,
	},
	"id": {
		today: "hari ini|hr ini|hri ini", tomorrow: "besok|bsk|besuk|esok", dayAfter: "lusa", tonight: "nanti malam|malam ini",
		thisWeek: "minggu ini|pekan ini|mgg ini", nextWeek: "minggu depan|pekan depan|mgg depan|minggu dpn",
		days:    [7]string{"minggu|ahad", "senin", "selasa", "rabu", "kamis", "jumat|jum'at|jumaat", "sabtu"},
		next:    "depan|dpn",
		morning: "pagi|pagi hari|pg", noon: "siang|tengah hari|jam makan siang|jam istirahat", afternoon: "sore|petang|siang ke sore", evening: "malam|mlm",
		after: "setelah|sesudah|lewat|di atas|habis|mulai", before: "sebelum|paling lambat|sblm", hour: "jam|pukul|pkl|jm",
		to: "sampai|sampe|-", not: "kecuali|selain|asal jangan|jangan",
		first: "pertama|yang pertama|yg pertama|nomor 1|no 1", second: "kedua|yang kedua|yg kedua|nomor 2|no 2", third: "ketiga|yang ketiga|yg ketiga|nomor 3",
		last: "terakhir|yang terakhir|yg terakhir", earlier: "lebih awal|paling awal|lebih cepat|yang awal|yg awal|secepatnya", later: "lebih lambat|lebih siang|lebih sore|paling akhir",
		order: "DM",
	},
	"sw": {
		today: "leo", tomorrow: "kesho", dayAfter: "kesho kutwa|keshokutwa", tonight: "leo usiku|leo jioni",
		thisWeek: "wiki hii|juma hili", nextWeek: "wiki ijayo|wiki inayokuja|wiki ijao|juma lijalo|wiki ijayo",
		days:    [7]string{"jumapili", "jumatatu", "jumanne", "jumatano", "alhamisi", "ijumaa", "jumamosi"},
		next:    "ijayo|inayokuja|ijao|lijalo",
		morning: "asubuhi", noon: "adhuhuri|saa sita mchana|wakati wa chakula cha mchana", afternoon: "mchana|alasiri", evening: "jioni|usiku",
		after: "baada ya|baada|kuanzia", before: "kabla ya|kabla|hadi", hour: "saa", saa: "saa",
		to: "hadi|mpaka|-", not: "isipokuwa|ila|si",
		first: "ya kwanza|kwanza|wa kwanza", second: "ya pili|pili|wa pili", third: "ya tatu|wa tatu",
		last: "ya mwisho|mwisho|wa mwisho", earlier: "mapema|ya mapema|mapema zaidi", later: "baadaye|ya baadaye|baadaye zaidi",
		order: "DM",
	},
	"yo": {
		today: "òní|lónìí|loni", tomorrow: "ọ̀la|lọ́la|ola|lola", dayAfter: "ọ̀túnla|lọ́túnla|otunla|lotunla", tonight: "alẹ́ òní|ale oni|lálẹ́ òní",
		thisWeek: "ọ̀sẹ̀ yìí|ose yii", nextWeek: "ọ̀sẹ̀ tó ń bọ̀|ose to n bo|ọ̀sẹ̀ tí ń bọ̀|ose ti n bo|ọ̀sẹ̀ tó nbọ̀|ose to nbo|ọ̀sẹ̀ míì|ose mii|ọsẹ to n bọ",
		days: [7]string{"ọjọ́ àìkú|àìkú|aiku|ọjọ́ ìsinmi|isinmi", "ọjọ́ ajé|ojo aje", "ọjọ́ ìṣẹ́gun|ìṣẹ́gun|isegun", "ọjọ́rú|ọjọ́ rú|ojoru|ojo ru",
			"ọjọ́bọ̀|ọjọ́ bọ̀|ojobo|ojo bo", "ọjọ́ ẹtì|ọjọ́ ẹ̀tì|ojo eti|ẹtì", "ọjọ́ àbámẹ́ta|àbámẹ́ta|abameta|ojo abameta"},
		next:    "tó ń bọ̀|to n bo|tí ń bọ̀|ti n bo|tó nbọ̀|to nbo",
		morning: "àárọ̀|láàárọ̀|òwúrọ̀|ní òwúrọ̀|aaro|laaro|owuro", noon: "ọ̀sán gangan|osan gangan", afternoon: "ọ̀sán|lọ́sàn-án|ní ọ̀sán|osan|losan", evening: "ìrọ̀lẹ́|alẹ́|lálẹ́|irole|ale|lale",
		after: "lẹ́yìn|lẹ́hìn|leyin|lehin", before: "ṣáájú|kí ó tó|saaju|ki o to", hour: "aago|agogo",
		to: "sí|si", not: "àyàfi|yàtọ̀ sí|ayafi|yato si",
		first: "àkọ́kọ́|èkínní|akoko|ekinni|ìkíní", second: "èkejì|ìkejì|ekeji|ikeji", third: "ẹ̀kẹta|ìkẹta|eketa|iketa",
		last: "ìkẹyìn|tó kẹ́yìn|ikeyin|to keyin", earlier: "tètè|tó yá jù|tete|kíákíá", later: "tó pẹ́|pẹ́ díẹ̀|to pe",
		order: "DM",
	},
}

// whenLexicons holds every table compiled; built once, never changed.
var whenLexicons = buildWhenLexicons()

func buildWhenLexicons() map[string]*lexicon {
	out := make(map[string]*lexicon, len(whenTables))
	en := whenTables["en"]
	for lang, w := range whenTables {
		lx := &lexicon{lang: lang, dpsLang: lang, bound: w.bound, fold: !w.noFold, order: w.order, byFirst: map[rune][]lexEntry{}}
		if w.dpsLang != "" {
			lx.dpsLang = w.dpsLang
		}
		seen := map[string]bool{}
		add := func(list string, kind whenKind, val, val2 int, minRunes int) {
			for _, p := range strings.Split(list, "|") {
				p = lx.normalize(p)
				if p == "" || seen[p] || utf8.RuneCountInString(p) < minRunes {
					continue
				}
				seen[p] = true
				r, _ := utf8.DecodeRuneInString(p)
				lx.byFirst[r] = append(lx.byFirst[r], lexEntry{phrase: p, kind: kind, val: val, val2: val2})
			}
		}
		addAll := func(w whenWords, minRunes int) {
			add(w.dayAfter, wkDay, 2, 0, minRunes)
			add(w.tonight, wkTonight, 0, 0, minRunes)
			add(w.today, wkDay, 0, 0, minRunes)
			add(w.tomorrow, wkDay, 1, 0, minRunes)
			add(w.nextWeek, wkWeek, 1, 0, minRunes)
			add(w.thisWeek, wkWeek, 0, 0, minRunes)
			for d, list := range w.days {
				add(list, wkWeekday, d, -1, minRunes)
			}
			add(w.morning, wkPart, partMorning, 0, minRunes)
			add(w.noon, wkPart, partNoon, 0, minRunes)
			add(w.afternoon, wkPart, partAfternoon, 0, minRunes)
			add(w.evening, wkPart, partEvening, 0, minRunes)
			add(w.first, wkOrdinal, 0, 0, minRunes)
			add(w.second, wkOrdinal, 1, 0, minRunes)
			add(w.third, wkOrdinal, 2, 0, minRunes)
			add(w.last, wkLast, 0, 0, minRunes)
			add(w.earlier, wkEarlier, 0, 0, minRunes)
			add(w.later, wkLater, 0, 0, minRunes)
			add(w.not, wkNot, 0, 0, minRunes)
			add(w.next, wkNext, 0, 0, minRunes)
			add(w.saa, wkHour, 1, 0, minRunes)
			add(w.hour, wkHour, 0, 0, minRunes)
			add(w.after, wkAfter, 0, 0, minRunes)
			add(w.before, wkBefore, 0, 0, minRunes)
			add(w.to, wkTo, 0, 0, minRunes)
		}
		if lang == "zh" {
			addChineseWeekdays(add)
		}
		addAll(w, 1)
		if lang != "en" {
			// Patients mix in English ("kal 3pm", "next week"); only its
			// longer words, which collide with no other language's.
			addAll(en, 5)
		}
		for r := range lx.byFirst {
			sort.SliceStable(lx.byFirst[r], func(i, j int) bool {
				return len(lx.byFirst[r][i].phrase) > len(lx.byFirst[r][j].phrase)
			})
		}
		out[lang] = lx
	}
	return out
}

// addChineseWeekdays adds 周一…周日 in every common spelling, alone and
// with 这/本 (this week) or 下 (next week) fused in front: "下周二".
func addChineseWeekdays(add func(list string, kind whenKind, val, val2 int, minRunes int)) {
	nums := []string{"日|天", "一|1", "二|2", "三|3", "四|4", "五|5", "六|6"}
	for d, ns := range nums {
		for _, n := range strings.Split(ns, "|") {
			for _, p := range []string{"周", "週", "星期", "礼拜", "禮拜"} {
				add(p+n, wkWeekday, d, -1, 1)
				add("下"+p+n, wkWeekday, d, 1, 1)
				add("下个"+p+n, wkWeekday, d, 1, 1)
				add("下個"+p+n, wkWeekday, d, 1, 1)
				add("这"+p+n, wkWeekday, d, 0, 1)
				add("這"+p+n, wkWeekday, d, 0, 1)
				add("本"+p+n, wkWeekday, d, 0, 1)
			}
		}
	}
}
