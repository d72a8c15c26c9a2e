// Package dialogue is the conversation core: it reads what a patient texted,
// moves the conversation along one transition table and acts on the clinic's
// calendar. It knows nothing of HTTP, Redis, Twilio or lingua: it talks to
// them through the small interfaces in ports.go.
package dialogue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"clinicsms/intents"
	"clinicsms/locales"
)

// Engine drives every conversation.
type Engine struct {
	conv  Conversations
	sched Schedule
	send  Sender
	read  Reader
	texts Texts
	cfg   Config
	log   *slog.Logger
	table map[State]map[event]action
}

// NewEngine returns an engine over its dependencies.
func NewEngine(conv Conversations, sched Schedule, send Sender, read Reader, texts Texts, cfg Config, log *slog.Logger) *Engine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{conv: conv, sched: sched, send: send, read: read, texts: texts, cfg: cfg.withDefaults(), log: log, table: transitions()}
}

// Inbound is one text a patient sent.
type Inbound struct {
	SID  string // provider message id; a SID already on the thread is not processed again
	From string // E.164
	Body string
	At   time.Time
}

// Sent is one text the engine sent (or would have, when opted out).
type Sent struct {
	Key  string
	Lang string
	Body string
}

// Outcome tells what a turn did; the chat CLI and tests show it.
type Outcome struct {
	Reading   intents.Reading
	State     State
	Replies   []Sent
	Duplicate bool // the SID was already on the thread: nothing done
}

// event is what a reading means in the conversation's current state: an
// intent label, or one of the state-specific answers below.
type event string

const (
	evYes  event = "yes"  // a bare yes to a question we asked
	evNo   event = "no"   // a bare no to a question we asked
	evPick event = "pick" // a number choosing one of the offered slots
	evAny  event = "*"    // any event without a row of its own
)

// action is one cell of the transition table.
type action func(e *Engine, ctx context.Context, t *turn) error

// transitions is the one place that says what each event does in each
// state. Compliance keywords (STOP, START, HELP) are handled before it, in
// every state. Each row starts from what an intent means anywhere (row)
// and lists only what the state changes.
func transitions() map[State]map[event]action {
	return map[State]map[event]action{
		Idle: row(map[event]action{
			event(intents.Other): (*Engine).otherWhenIdle, // "thanks" needs no answer
		}),
		AwaitingReply: row(nil),
		ConfirmCancel: row(map[event]action{
			evYes:                  (*Engine).cancelNow,
			event(intents.Cancel):  (*Engine).cancelNow,
			evNo:                   (*Engine).keep,
			event(intents.Confirm): (*Engine).keep,
		}),
		ChoosingSlot: row(map[event]action{
			evPick:                 (*Engine).book,
			evNo:                   (*Engine).offerSlots, // a second round
			event(intents.Confirm): (*Engine).keepOffers,
		}),
		WaitlistOffer: row(map[event]action{
			evYes:                   (*Engine).claim,
			event(intents.Confirm):  (*Engine).claim,
			evNo:                    (*Engine).declineOffer,
			event(intents.Waitlist): (*Engine).declineOffer,
		}),
		ChoosingAppt: row(map[event]action{
			evPick: (*Engine).chooseAppointment,
		}),
		Escalated: {
			// A person owns the chat: the bot records and stays quiet.
			evAny: (*Engine).quiet,
		},
	}
}

// row is what each intent means in any state, with a state's own cells on top.
func row(own map[event]action) map[event]action {
	r := map[event]action{
		event(intents.Confirm):    (*Engine).confirm,
		event(intents.Cancel):     (*Engine).cancel,
		event(intents.Reschedule): (*Engine).offerSlots,
		event(intents.Waitlist):   (*Engine).joinWaitlist,
		event(intents.Question):   escalateFor("question"),
		event(intents.OptOut):     (*Engine).optOut,
		event(intents.Help):       (*Engine).help,
		event(intents.Other):      (*Engine).misunderstood,
	}
	for ev, act := range own {
		r[ev] = act
	}
	return r
}

// turn carries one inbound message through the table.
type turn struct {
	e        *Engine
	conv     Conversation
	patients []Patient
	reading  intents.Reading
	body     string
	lang     string // reply language
	event    event
	pick     int
	replies  []Sent
	freed    []Slot // slots freed this turn, offered to the waitlist after unlock
	// ambiguous holds the visits a reply could be about when focus cannot
	// tell; chosen is the one the patient picked from such a list.
	ambiguous []Appointment
	chosen    string
}

// Receive handles one inbound text: records it with its reading, moves the
// conversation and replies. The message is stored before anything acts on it.
func (e *Engine) Receive(ctx context.Context, in Inbound) (Outcome, error) {
	unlock, err := e.conv.Lock(ctx, in.From)
	if err != nil {
		return Outcome{}, fmt.Errorf("lock conversation: %w", err)
	}
	out, freed, err := e.receiveLocked(ctx, in)
	unlock()
	if err != nil {
		return out, err
	}
	for _, s := range freed {
		if err := e.SlotFreed(ctx, s); err != nil {
			e.log.Error("offer freed slot", "slot", s.ID, "err", err)
		}
	}
	return out, nil
}

func (e *Engine) receiveLocked(ctx context.Context, in Inbound) (Outcome, []Slot, error) {
	conv, err := e.conv.Conversation(ctx, in.From)
	if err != nil {
		return Outcome{}, nil, fmt.Errorf("load conversation: %w", err)
	}
	if in.SID != "" {
		msgs, err := e.conv.Messages(ctx, in.From)
		if err != nil {
			return Outcome{}, nil, fmt.Errorf("load messages: %w", err)
		}
		for i := len(msgs) - 1; i >= 0 && i >= len(msgs)-50; i-- {
			if msgs[i].Direction == In && msgs[i].SID == in.SID {
				return Outcome{State: conv.State, Duplicate: true}, nil, nil
			}
		}
	}
	patients, err := e.sched.PatientsByPhone(ctx, in.From)
	if err != nil {
		return Outcome{}, nil, fmt.Errorf("patients by phone: %w", err)
	}
	known := conv.Language
	for _, p := range patients {
		if p.Language != "" {
			known = p.Language
			break
		}
	}
	r := e.read.Read(in.Body, known)
	if !r.Sure && r.Source == "model" && e.cfg.Fallback != nil {
		names := make([]string, 0, len(patients))
		for _, p := range patients {
			names = append(names, p.Name)
		}
		if r2, err := e.cfg.Fallback.Refine(ctx, in.Body, r, names); err == nil {
			r = r2
		} else {
			e.log.Warn("llm fallback unavailable, keeping the local reading", "err", err)
		}
	}
	at := in.At
	if at.IsZero() {
		at = e.cfg.Now()
	}
	msg := Message{SID: in.SID, Direction: In, Body: in.Body, At: at.UTC(), Lang: r.Lang, Intent: string(r.Intent), Confidence: r.Confidence}
	if err := e.conv.AppendMessage(ctx, in.From, msg); err != nil {
		return Outcome{}, nil, fmt.Errorf("store inbound: %w", err)
	}

	t := &turn{e: e, conv: conv, patients: patients, reading: r, body: in.Body}
	if known == "" && r.Lang != "" {
		t.conv.Language = r.Lang
	} else if r.LangSure && r.Lang != "" && !hasPreference(patients) {
		t.conv.Language = r.Lang
	}
	t.lang = replyLang(patients, t.conv.Language, r.Lang)

	if err := e.step(ctx, t); err != nil {
		return Outcome{Reading: r, State: t.conv.State, Replies: t.replies}, nil, err
	}
	t.conv.UpdatedAt = e.cfg.Now().UTC()
	if err := e.conv.SaveConversation(ctx, t.conv); err != nil {
		return Outcome{Reading: r, State: t.conv.State, Replies: t.replies}, nil, fmt.Errorf("save conversation: %w", err)
	}
	e.changed(ctx, in.From, "message")
	return Outcome{Reading: r, State: t.conv.State, Replies: t.replies}, t.freed, nil
}

// step applies compliance keywords, then the transition table.
func (e *Engine) step(ctx context.Context, t *turn) error {
	switch t.reading.Keyword {
	case intents.KeywordStop:
		return e.optOut(ctx, t)
	case intents.KeywordStart:
		return e.optIn(ctx, t)
	case intents.KeywordHelp:
		return e.help(ctx, t)
	}
	if t.conv.OptedOut {
		if intents.IsBareYes(t.body) {
			return e.optIn(ctx, t)
		}
		if t.reading.Intent == intents.OptOut {
			return nil // already out; one confirmation was enough
		}
		// Opted out: no automated replies. The message is on record and
		// reaches staff through the inbox only if escalated.
		return nil
	}
	if len(t.patients) == 0 {
		if t.conv.Escalated {
			return nil
		}
		return e.escalate(ctx, t, "unknown_number")
	}
	t.event = e.eventOf(ctx, t)
	row := e.table[t.conv.State]
	if row == nil {
		row = e.table[Idle]
	}
	act, ok := row[t.event]
	if !ok {
		act = row[evAny]
	}
	if act == nil {
		act = (*Engine).misunderstood
	}
	return act(e, ctx, t)
}

// eventOf turns the reading into the event the current state understands.
func (e *Engine) eventOf(ctx context.Context, t *turn) event {
	switch t.conv.State {
	case ConfirmCancel, WaitlistOffer:
		if intents.IsBareYes(t.body) {
			return evYes
		}
		if intents.IsBareNo(t.body) {
			return evNo
		}
	case ChoosingSlot:
		if n, ok := pickNumber(t.body); ok && n >= 1 && n <= len(t.conv.Offers) {
			t.pick = n
			return evPick
		}
		if n, ok := e.pickWords(ctx, t); ok {
			t.pick = n
			return evPick
		}
		if intents.IsBareNo(t.body) {
			return evNo
		}
	case ChoosingAppt:
		if n, ok := pickNumber(t.body); ok && n >= 1 && n <= len(t.conv.Choices) {
			t.pick = n
			return evPick
		}
	}
	if !t.reading.Sure && t.reading.Intent != intents.Other {
		// Unsure readings never act: a destructive action asks first, the
		// rest count as a misunderstanding.
		if t.reading.Intent == intents.Cancel {
			return event(intents.Cancel)
		}
		return event(intents.Other)
	}
	return event(t.reading.Intent)
}

// pickWords reads a pick of an offered time in words ("the Tuesday one").
func (e *Engine) pickWords(ctx context.Context, t *turn) (int, bool) {
	if t.reading.Keyword != intents.KeywordNone {
		return 0, false
	}
	var times []time.Time
	var zone *time.Location
	for _, id := range t.conv.Offers {
		s, err := e.sched.Slot(ctx, id)
		if err != nil {
			return 0, false // one was taken meanwhile: ask by number
		}
		times = append(times, s.Start)
		zone = e.cfg.Clinic.ZoneOf(s.Location)
	}
	i, ok := intents.PickByWords(t.body, t.lang, times, zone)
	return i + 1, ok
}

// pickNumber reads "2", "2.", "#2", "option 2", "２", "٢" as 2: one decimal
// digit in a short text.
func pickNumber(body string) (int, bool) {
	n, digits, letters := 0, 0, 0
	for _, r := range body {
		switch {
		case unicode.IsDigit(r):
			digits++
			n = digitValue(r)
		case unicode.IsLetter(r):
			letters++
		}
	}
	if digits != 1 || n < 0 || letters > 12 {
		return 0, false
	}
	return n, true
}

// digitValue returns the value of a decimal digit in the scripts patients use.
func digitValue(r rune) int {
	for _, zero := range []rune{'0', '０', '٠', '۰', '०', '০', '੦', '૦', '๐'} {
		if r >= zero && r <= zero+9 {
			return int(r - zero)
		}
	}
	return -1
}

// hasPreference reports whether any patient on the number has a known language.
func hasPreference(ps []Patient) bool {
	for _, p := range ps {
		if p.Language != "" {
			return true
		}
	}
	return false
}

// replyLang picks the language to answer in: known preference, then the
// conversation's language, then what was detected, then the default.
func replyLang(ps []Patient, convLang, detected string) string {
	for _, p := range ps {
		if p.Language != "" && locales.IsSupported(p.Language) {
			return p.Language
		}
	}
	if convLang != "" && locales.IsSupported(convLang) {
		return convLang
	}
	if detected != "" && locales.IsSupported(detected) {
		return detected
	}
	return locales.Default
}

// focus returns the appointment the conversation is about. Several
// patients can share a phone (a parent and children): a reply is matched to
// a visit by a patient's name in it, then by the reminder it answers; when
// that leaves more than one candidate, focus reports none and sets
// t.ambiguous so the caller can ask which one is meant.
func (e *Engine) focus(ctx context.Context, t *turn) (Appointment, bool, error) {
	cands, err := e.candidates(ctx, t)
	if err != nil {
		return Appointment{}, false, err
	}
	for _, a := range cands {
		if a.ID == t.chosen {
			return a, true, nil
		}
	}
	if a, ok := byName(t.body, t.patients, cands); ok {
		t.conv.AppointmentID = a.ID
		return a, true, nil
	}
	var pending []Appointment
	for _, a := range cands {
		if slices.Contains(t.conv.Pending, a.ID) {
			pending = append(pending, a)
		}
	}
	switch {
	case len(pending) == 1:
		t.conv.AppointmentID = pending[0].ID
		return pending[0], true, nil
	case len(pending) > 1:
		t.ambiguous = pending
		return Appointment{}, false, nil
	}
	if t.conv.AppointmentID != "" {
		a, err := e.sched.Appointment(ctx, t.conv.AppointmentID)
		if err == nil && a.Active() {
			return a, true, nil
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return Appointment{}, false, err
		}
	}
	switch {
	case len(cands) == 0:
		return Appointment{}, false, nil
	case len(cands) > 1 && patientsOf(cands) > 1:
		t.ambiguous = cands
		return Appointment{}, false, nil
	}
	t.conv.AppointmentID = cands[0].ID
	return cands[0], true, nil
}

// candidates lists the active future appointments of the number's
// patients, earliest first.
func (e *Engine) candidates(ctx context.Context, t *turn) ([]Appointment, error) {
	now := e.cfg.Now()
	var next []Appointment
	for _, p := range t.patients {
		as, err := e.sched.AppointmentsByPatient(ctx, p.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Active() && a.Start.After(now) {
				next = append(next, a)
			}
		}
	}
	sort.Slice(next, func(i, j int) bool { return next[i].Start.Before(next[j].Start) })
	return next, nil
}

func patientsOf(as []Appointment) int {
	seen := map[string]bool{}
	for _, a := range as {
		seen[a.PatientID] = true
	}
	return len(seen)
}

// byName finds the one candidate whose patient's first name the text
// contains ("Leo can't come"), when the number has several patients.
func byName(body string, ps []Patient, cands []Appointment) (Appointment, bool) {
	if len(ps) < 2 {
		return Appointment{}, false
	}
	words := strings.FieldsFunc(strings.ToLower(body), func(r rune) bool { return !unicode.IsLetter(r) })
	var found []Appointment
	for _, p := range ps {
		first := strings.ToLower(firstName(p.Name))
		if first == "" || !slices.Contains(words, first) {
			continue
		}
		for _, a := range cands {
			if a.PatientID == p.ID {
				found = append(found, a)
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Appointment{}, false
}

// withAppointment runs f on the appointment in focus; asks which one is
// meant when several patients share the number; or tells the patient none
// was found and hands over to a person.
func (e *Engine) withAppointment(ctx context.Context, t *turn, f func(Appointment) error) error {
	a, ok, err := e.focus(ctx, t)
	if err != nil {
		return err
	}
	if !ok && len(t.ambiguous) > 0 {
		return e.askWhich(ctx, t)
	}
	if !ok {
		return e.escalateWith(ctx, t, "no_appointment", locales.NoAppointment)
	}
	return f(a)
}

// askWhich lists the candidate visits by patient and time and keeps the
// wish until the patient picks one.
func (e *Engine) askWhich(ctx context.Context, t *turn) error {
	names := map[string]string{}
	for _, p := range t.patients {
		names[p.ID] = firstName(p.Name)
	}
	var lines []string
	t.conv.Choices = t.conv.Choices[:0]
	for i, a := range t.ambiguous {
		if i == 5 {
			break
		}
		lines = append(lines, strconv.Itoa(i+1)+") "+names[a.PatientID]+", "+e.when(a, t.lang))
		t.conv.Choices = append(t.conv.Choices, a.ID)
	}
	t.conv.State, t.conv.ChoiceEvent, t.conv.ChoiceConfidence = ChoosingAppt, string(t.event), t.reading.Confidence
	return e.reply(ctx, t, locales.WhichAppointment, map[string]any{"Options": strings.Join(lines, "\n"), "Count": len(lines)})
}

// chooseAppointment applies the kept wish to the visit the patient picked.
func (e *Engine) chooseAppointment(ctx context.Context, t *turn) error {
	id, ev, conf := t.conv.Choices[t.pick-1], event(t.conv.ChoiceEvent), t.conv.ChoiceConfidence
	t.conv.State, t.conv.Choices, t.conv.ChoiceEvent, t.conv.ChoiceConfidence = Idle, nil, "", 0
	t.conv.AppointmentID, t.chosen = id, id
	act, ok := e.table[Idle][ev]
	if !ok {
		return e.misunderstood(ctx, t)
	}
	t.event, t.body = ev, ""
	t.reading = intents.Reading{Lang: t.reading.Lang, Intent: intents.Label(ev), Confidence: conf, Sure: true, Source: "choice"}
	return act(e, ctx, t)
}

// settled drops an appointment from the reminders awaiting an answer.
func (t *turn) settled(id string) {
	t.conv.Pending = slices.DeleteFunc(t.conv.Pending, func(p string) bool { return p == id })
}

func (e *Engine) when(a Appointment, lang string) string {
	return e.texts.When(lang, a.Start.In(e.cfg.Clinic.ZoneOf(a.Location)))
}

func (e *Engine) whenSlot(s Slot, lang string) string {
	return e.texts.When(lang, s.Start.In(e.cfg.Clinic.ZoneOf(s.Location)))
}

func (e *Engine) confirm(ctx context.Context, t *turn) error {
	return e.withAppointment(ctx, t, func(a Appointment) error {
		a, err := e.sched.Confirm(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		t.settled(a.ID)
		t.conv.State, t.conv.Misunderstood = Idle, 0
		return e.reply(ctx, t, locales.ConfirmDone, map[string]any{"When": e.when(a, t.lang)})
	})
}

// cancel cancels on a sure reading and asks first on an unsure one.
func (e *Engine) cancel(ctx context.Context, t *turn) error {
	// A bare "no" to a reminder is too weak a signal to destroy a booking.
	if t.reading.Confidence < e.cfg.CancelConfidence || intents.IsBareNo(t.body) {
		return e.withAppointment(ctx, t, func(a Appointment) error {
			t.conv.State, t.conv.AppointmentID = ConfirmCancel, a.ID
			return e.reply(ctx, t, locales.CancelAsk, map[string]any{"When": e.when(a, t.lang)})
		})
	}
	return e.cancelNow(ctx, t)
}

func (e *Engine) cancelNow(ctx context.Context, t *turn) error {
	return e.withAppointment(ctx, t, func(a Appointment) error {
		cancelled, freed, err := e.sched.Cancel(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("cancel: %w", err)
		}
		t.freed = append(t.freed, freed)
		t.settled(a.ID)
		t.conv.State, t.conv.Misunderstood, t.conv.Offers = Idle, 0, nil
		return e.reply(ctx, t, locales.CancelDone, map[string]any{"When": e.when(cancelled, t.lang)})
	})
}

func (e *Engine) keep(ctx context.Context, t *turn) error {
	return e.withAppointment(ctx, t, func(a Appointment) error {
		t.conv.State, t.conv.Misunderstood = Idle, 0
		return e.reply(ctx, t, locales.CancelKept, map[string]any{"When": e.when(a, t.lang)})
	})
}

// offerSlots offers up to 3 open slots of the same provider and type. After
// a cancellation the cancelled visit is the model for the new one.
func (e *Engine) offerSlots(ctx context.Context, t *turn) error {
	a, ok, err := e.rebookBase(ctx, t)
	if err != nil {
		return err
	}
	if !ok {
		return e.escalateWith(ctx, t, "no_appointment", locales.NoAppointment)
	}
	open, err := e.sched.OpenSlots(ctx, a.Provider, a.Type, e.cfg.Now(), 200)
	if err != nil {
		return fmt.Errorf("open slots: %w", err)
	}
	// Never offer the very time the patient is moving away from, nor,
	// when the patient turned the last offers down, the same ones again.
	rejected := map[string]bool{}
	if t.conv.State == ChoosingSlot {
		for _, id := range t.conv.Offers {
			rejected[id] = true
		}
	}
	var pool []Slot
	for _, s := range open {
		if !s.Start.Equal(a.Start) && !rejected[s.ID] {
			pool = append(pool, s)
		}
	}
	zone := e.cfg.Clinic.ZoneOf(a.Location)
	win, named := intents.ParseWhen(t.body, t.lang, e.cfg.Now(), zone)
	if !named {
		return e.sendOffers(ctx, t, a, first(pool, 3), locales.RescheduleOffer)
	}
	var fit []Slot
	for _, s := range pool {
		if win.Contains(s.Start) {
			fit = append(fit, s)
		}
	}
	if len(fit) > 0 {
		return e.sendOffers(ctx, t, a, first(fit, 3), locales.RescheduleOffer)
	}
	// Nothing fits what was named: offer the nearest open times instead.
	target := win.From
	if target.IsZero() {
		target = e.cfg.Now()
	}
	sort.SliceStable(pool, func(i, j int) bool { return absDur(pool[i].Start.Sub(target)) < absDur(pool[j].Start.Sub(target)) })
	near := first(pool, 3)
	sort.Slice(near, func(i, j int) bool { return near[i].Start.Before(near[j].Start) })
	return e.sendOffers(ctx, t, a, near, locales.RescheduleNearest)
}

func first(s []Slot, n int) []Slot {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// rebookBase is the appointment a new time is sought for: the active one in
// focus, or the one just cancelled in this conversation.
func (e *Engine) rebookBase(ctx context.Context, t *turn) (Appointment, bool, error) {
	if id := t.conv.AppointmentID; id != "" {
		a, err := e.sched.Appointment(ctx, id)
		if err == nil && a.Status == Cancelled {
			return a, true, nil
		}
	}
	return e.focus(ctx, t)
}

func (e *Engine) sendOffers(ctx context.Context, t *turn, a Appointment, slots []Slot, key string) error {
	t.conv.Misunderstood = 0
	if len(slots) == 0 {
		t.conv.State, t.conv.Offers = Idle, nil
		return e.reply(ctx, t, locales.RescheduleNone, nil)
	}
	var lines []string
	t.conv.Offers = t.conv.Offers[:0]
	for i, s := range slots {
		lines = append(lines, strconv.Itoa(i+1)+") "+e.whenSlot(s, t.lang))
		t.conv.Offers = append(t.conv.Offers, s.ID)
	}
	t.conv.State, t.conv.AppointmentID = ChoosingSlot, a.ID
	return e.reply(ctx, t, key, map[string]any{"Options": strings.Join(lines, "\n"), "Count": len(slots)})
}

// keepOffers answers a "yes/ok" while choosing: the offers stand, pick one.
func (e *Engine) keepOffers(ctx context.Context, t *turn) error {
	return e.reply(ctx, t, locales.ReschedulePick, map[string]any{"Count": len(t.conv.Offers)})
}

// book moves the appointment into the picked slot atomically, or books the
// slot anew when the appointment was cancelled in this conversation.
func (e *Engine) book(ctx context.Context, t *turn) error {
	a, ok, err := e.rebookBase(ctx, t)
	if err != nil {
		return err
	}
	if !ok {
		return e.escalateWith(ctx, t, "no_appointment", locales.NoAppointment)
	}
	slotID := t.conv.Offers[t.pick-1]
	var booked Appointment
	if a.Status == Cancelled {
		booked, err = e.sched.Book(ctx, slotID, a.PatientID, e.cfg.NewID())
	} else {
		var freed Slot
		booked, freed, err = e.sched.Move(ctx, a.ID, slotID, e.cfg.NewID())
		if err == nil {
			t.freed = append(t.freed, freed)
		}
	}
	if errors.Is(err, ErrSlotTaken) {
		if err := e.reply(ctx, t, locales.RescheduleTaken, nil); err != nil {
			return err
		}
		return e.offerSlots(ctx, t)
	}
	if err != nil {
		return fmt.Errorf("book: %w", err)
	}
	t.settled(a.ID)
	t.conv.State, t.conv.Offers, t.conv.AppointmentID = Idle, nil, booked.ID
	return e.reply(ctx, t, locales.RescheduleDone, map[string]any{"When": e.when(booked, t.lang)})
}

func (e *Engine) joinWaitlist(ctx context.Context, t *turn) error {
	return e.withAppointment(ctx, t, func(a Appointment) error {
		if err := e.sched.JoinWaitlist(ctx, a.ID, e.cfg.Now()); err != nil {
			return fmt.Errorf("join waitlist: %w", err)
		}
		t.conv.State, t.conv.Misunderstood, t.conv.Offers, t.conv.OfferSlotID = Idle, 0, nil, ""
		return e.reply(ctx, t, locales.WaitlistJoined, map[string]any{"When": e.when(a, t.lang)})
	})
}

// claim takes the offered waitlist slot; exactly one patient wins it.
func (e *Engine) claim(ctx context.Context, t *turn) error {
	slotID := t.conv.OfferSlotID
	t.conv.State, t.conv.OfferSlotID, t.conv.Misunderstood = Idle, "", 0
	moved, freed, err := e.sched.Move(ctx, t.conv.AppointmentID, slotID, e.cfg.NewID())
	if errors.Is(err, ErrSlotTaken) || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		return e.reply(ctx, t, locales.WaitlistTaken, nil)
	}
	if err != nil {
		return fmt.Errorf("claim slot: %w", err)
	}
	t.freed = append(t.freed, freed)
	t.settled(t.conv.AppointmentID)
	t.conv.AppointmentID = moved.ID
	if err := e.sched.ClearOffers(ctx, slotID); err != nil {
		e.log.Warn("clear offers", "err", err)
	}
	return e.reply(ctx, t, locales.WaitlistClaimed, map[string]any{"When": e.when(moved, t.lang)})
}

// declineOffer keeps the patient on the waitlist with the current visit.
func (e *Engine) declineOffer(ctx context.Context, t *turn) error {
	t.conv.State, t.conv.OfferSlotID = Idle, ""
	return e.withAppointment(ctx, t, func(a Appointment) error {
		return e.reply(ctx, t, locales.WaitlistDeclined, map[string]any{"When": e.when(a, t.lang)})
	})
}

func (e *Engine) help(ctx context.Context, t *turn) error {
	if t.reading.Keyword == intents.KeywordHelp && e.carrierAnswers(t) {
		return nil
	}
	return e.reply(ctx, t, locales.HelpInfo, map[string]any{"Count": e.cfg.MessagesPerAppointment})
}

// optOut records the opt-out for the number and sends one confirmation. A
// bare CANCEL also opens a staff task on the next appointment, and the
// confirmation says how to cancel the visit.
func (e *Engine) optOut(ctx context.Context, t *turn) error {
	wasOut := t.conv.OptedOut
	t.conv.OptedOut = true
	t.conv.State, t.conv.Offers, t.conv.OfferSlotID, t.conv.Misunderstood = Idle, nil, "", 0
	if t.conv.Escalated {
		t.conv.State = Escalated
	}
	bareCancel := t.reading.Keyword == intents.KeywordStop && isBareCancel(t.body)
	if bareCancel && len(t.patients) > 0 {
		a, ok, err := e.focus(ctx, t)
		if err != nil {
			return err
		}
		task := Task{ID: RandomID("task-")(), Phone: t.conv.Phone, Kind: "cancel_keyword",
			Note: "texted CANCEL: call to cancel or keep", At: e.cfg.Now().UTC()}
		if ok {
			task.AppointmentID = a.ID
		}
		if err := e.conv.OpenTask(ctx, task); err != nil {
			return fmt.Errorf("open task: %w", err)
		}
		if wasOut || e.carrierAnswers(t) {
			return nil
		}
		when := ""
		if ok {
			when = e.when(a, t.lang)
		}
		return e.reply(ctx, t, locales.OptOutCancelWord, map[string]any{"When": when, "ClinicPhone": e.cfg.Clinic.Phone})
	}
	if wasOut || (t.reading.Keyword == intents.KeywordStop && e.carrierAnswers(t)) {
		return nil
	}
	return e.reply(ctx, t, locales.OptOutDone, nil)
}

func (e *Engine) optIn(ctx context.Context, t *turn) error {
	wasOut := t.conv.OptedOut
	t.conv.OptedOut = false
	if !wasOut && t.reading.Keyword != intents.KeywordStart {
		return nil
	}
	if t.reading.Keyword == intents.KeywordStart && e.carrierAnswers(t) {
		return nil
	}
	return e.reply(ctx, t, locales.OptInDone, nil)
}

// carrierAnswers reports whether the SMS provider already answered this
// keyword itself (Twilio Advanced Opt-Out answers the English ones).
func (e *Engine) carrierAnswers(t *turn) bool {
	if !e.cfg.CarrierAnswersKeywords {
		return false
	}
	switch strings.ToUpper(strings.Trim(strings.TrimSpace(t.body), ".!?,;:")) {
	case "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
		"START", "UNSTOP", "YES", "HELP", "INFO":
		return true
	}
	return false
}

func isBareCancel(body string) bool {
	return strings.EqualFold(strings.Trim(strings.TrimSpace(body), ".!?,;: "), "cancel")
}

// otherWhenIdle stays quiet on a sure "other" (thanks, ok bye) when nothing
// is pending, and treats an unsure one as a misunderstanding.
func (e *Engine) otherWhenIdle(ctx context.Context, t *turn) error {
	if t.reading.Sure {
		return nil
	}
	return e.misunderstood(ctx, t)
}

// misunderstood asks once, then hands over to a person.
func (e *Engine) misunderstood(ctx context.Context, t *turn) error {
	t.conv.Misunderstood++
	if t.conv.Misunderstood >= 2 {
		return e.escalate(ctx, t, "misunderstood")
	}
	if t.conv.State == ChoosingSlot {
		return e.reply(ctx, t, locales.ReschedulePick, map[string]any{"Count": len(t.conv.Offers)})
	}
	return e.reply(ctx, t, locales.Clarify, nil)
}

func escalateFor(reason string) action {
	return func(e *Engine, ctx context.Context, t *turn) error { return e.escalate(ctx, t, reason) }
}

func (e *Engine) escalate(ctx context.Context, t *turn, reason string) error {
	return e.escalateWith(ctx, t, reason, locales.Handoff)
}

// escalateWith hands the conversation to staff and tells the patient once.
func (e *Engine) escalateWith(ctx context.Context, t *turn, reason, key string) error {
	t.conv.State, t.conv.Escalated, t.conv.EscalationReason = Escalated, true, reason
	t.conv.Offers, t.conv.OfferSlotID, t.conv.Misunderstood = nil, "", 0
	return e.reply(ctx, t, key, nil)
}

func (e *Engine) quiet(ctx context.Context, t *turn) error { return nil }

// Resolve hands an escalated conversation back to the bot, which stays
// quiet until the patient writes again.
func (e *Engine) Resolve(ctx context.Context, phone string) error {
	c, unlock, err := e.lockConversation(ctx, phone)
	if err != nil {
		return err
	}
	defer unlock()
	c.State, c.Escalated, c.EscalationReason, c.Misunderstood = Idle, false, "", 0
	c.UpdatedAt = e.cfg.Now().UTC()
	if err := e.conv.SaveConversation(ctx, c); err != nil {
		return err
	}
	e.changed(ctx, phone, "state")
	return nil
}

// StaffReply sends a person's text to the patient through the same
// outbound path as the bot, recorded on the thread (key "staff"). It
// respects opt-out (ErrOptedOut) and is never frequency-capped.
func (e *Engine) StaffReply(ctx context.Context, phone, lang, body string) (Sent, error) {
	c, unlock, err := e.lockConversation(ctx, phone)
	if err != nil {
		return Sent{}, err
	}
	defer unlock()
	if c.OptedOut {
		return Sent{}, ErrOptedOut
	}
	s, err := e.deliverBody(ctx, &c, lang, "staff", body)
	c.UpdatedAt = e.cfg.Now().UTC()
	if serr := e.conv.SaveConversation(ctx, c); serr != nil && err == nil {
		err = serr
	}
	if c.OptedOut && err == nil {
		err = ErrOptedOut
	}
	return s, err
}

// Escalate hands a conversation to staff without a text to the patient
// (a person asked for it from the inbox, or a task needs it).
func (e *Engine) Escalate(ctx context.Context, phone, reason string) error {
	c, unlock, err := e.lockConversation(ctx, phone)
	if err != nil {
		return err
	}
	defer unlock()
	c.State, c.Escalated, c.EscalationReason = Escalated, true, reason
	c.Offers, c.OfferSlotID, c.Misunderstood = nil, "", 0
	c.UpdatedAt = e.cfg.Now().UTC()
	if err := e.conv.SaveConversation(ctx, c); err != nil {
		return err
	}
	e.changed(ctx, phone, "state")
	return nil
}

// lockConversation takes phone's conversation lock and loads the
// conversation; the caller saves what it changes and then calls unlock.
func (e *Engine) lockConversation(ctx context.Context, phone string) (Conversation, func(), error) {
	unlock, err := e.conv.Lock(ctx, phone)
	if err != nil {
		return Conversation{}, nil, fmt.Errorf("lock conversation: %w", err)
	}
	c, err := e.conv.Conversation(ctx, phone)
	if err != nil {
		unlock()
		return Conversation{}, nil, err
	}
	return c, unlock, nil
}

func (e *Engine) changed(ctx context.Context, phone, kind string) {
	if e.cfg.Observer != nil {
		e.cfg.Observer.ConversationChanged(ctx, phone, kind)
	}
}

// reply sends a text in the turn's language and records it on the thread.
func (e *Engine) reply(ctx context.Context, t *turn, key string, data map[string]any) error {
	s, err := e.deliver(ctx, &t.conv, t.lang, key, data)
	if s.Body != "" {
		t.replies = append(t.replies, s)
	}
	if errors.Is(err, ErrSendFailed) {
		return nil // recorded as failed on the thread; the turn itself stands
	}
	return err
}

// deliver renders and sends key to the conversation's phone, records the
// outbound message, and marks the number opted out when the carrier says so.
// Only compliance texts reach an opted-out number.
func (e *Engine) deliver(ctx context.Context, c *Conversation, lang, key string, data map[string]any) (Sent, error) {
	if data == nil {
		data = map[string]any{}
	}
	if _, ok := data["Clinic"]; !ok {
		data["Clinic"] = e.cfg.Clinic.Name
	}
	if _, ok := data["ClinicPhone"]; !ok {
		data["ClinicPhone"] = e.cfg.Clinic.Phone
	}
	body := e.texts.Text(lang, key, data)
	return e.deliverBody(ctx, c, lang, key, body)
}

// deliverBody sends an already rendered text; key names it on the thread.
func (e *Engine) deliverBody(ctx context.Context, c *Conversation, lang, key, body string) (Sent, error) {
	s := Sent{Key: key, Lang: lang, Body: body}
	if c.OptedOut && !complianceKey(key) {
		return Sent{}, nil
	}
	if isAutomated(ctx) && len(e.cfg.Caps) > 0 {
		ok, err := e.conv.AllowAutomated(ctx, c.Phone, e.cfg.Now(), e.cfg.Caps)
		if err != nil {
			return Sent{}, err
		}
		if !ok {
			return Sent{}, ErrFrequencyCapped
		}
	}
	m := Message{Direction: Out, Body: body, At: e.cfg.Now().UTC(), Lang: lang, Key: key, Status: "sent"}
	sid, err := e.send.Send(ctx, c.Phone, body)
	switch {
	case errors.Is(err, ErrOptedOut):
		c.OptedOut = true
		m.Status = "undelivered_opted_out"
	case err != nil:
		m.Status = "failed"
		e.log.Warn("send failed", "key", key, "err", err)
	default:
		m.SID = sid
	}
	if aerr := e.conv.AppendMessage(ctx, c.Phone, m); aerr != nil {
		return s, fmt.Errorf("store outbound: %w", aerr)
	}
	e.changed(ctx, c.Phone, "message")
	if err != nil && !errors.Is(err, ErrOptedOut) {
		return s, fmt.Errorf("%w: %v", ErrSendFailed, err)
	}
	return s, nil
}

func complianceKey(key string) bool {
	switch key {
	case locales.OptOutDone, locales.OptOutCancelWord, locales.OptInDone, locales.HelpInfo:
		return true
	}
	return false
}
