// Package broadcast sends one message to many patients: everyone with an
// active appointment matching a filter (location, provider, date range),
// one text per phone number, each in the patient's language, opted-out
// numbers skipped, at a rate shared by every replica of the service.
//
// A broadcast is planned and queued at once (Service.Create: the recipient
// list is stored before the caller hears back), then sent by Workers
// running in every replica. A Worker claims one recipient at a time from
// the store, atomically, so no two replicas ever send to the same
// recipient, and a restarted process resumes where the last one stopped.
//
// Delivery is at most once. A recipient is claimed with a lease before its
// text is sent and settled (sent, failed, skipped) after. A claim whose
// process died in between is settled by whichever worker finds its lease
// expired: as sent when the conversation shows the broadcast's text, as
// failed otherwise. It is never sent again, because the dead process may
// have handed the text to the provider just before it died.
//
// The package knows nothing of Redis or HTTP: the store and the sender are
// the small interfaces in this file.
package broadcast

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"clinicsms/dialogue"
	"clinicsms/locales"
)

// Limits of a broadcast request.
const (
	// MaxRange is the longest date range a filter may span.
	MaxRange = 90 * 24 * time.Hour
	// MaxTemplateChars is the longest template: ten SMS segments of
	// GSM-7, Twilio's recommended maximum for one message.
	MaxTemplateChars = 1600
	// FallbackLang is the template every broadcast must have: the text for
	// a patient whose language has none.
	FallbackLang = locales.Default
)

// Errors.
var (
	// ErrInvalid wraps what is wrong with a request; its text is meant for
	// the caller.
	ErrInvalid = errors.New("invalid broadcast")
	// ErrNoSender is returned by Worker.Run when it has nothing to send with.
	ErrNoSender = errors.New("broadcast: no sender")
)

// Filter chooses the appointments whose patients get a broadcast.
type Filter struct {
	Location string    `json:"location,omitempty"` // "" = every location
	Provider string    `json:"provider,omitempty"` // "" = every provider
	From     time.Time `json:"from"`               // inclusive
	To       time.Time `json:"to"`                 // exclusive
}

// Validate reports the first thing wrong with f (wrapping ErrInvalid).
func (f Filter) Validate() error {
	switch {
	case f.From.IsZero() || f.To.IsZero():
		return fmt.Errorf("%w: filter.from and filter.to are required", ErrInvalid)
	case !f.From.Before(f.To):
		return fmt.Errorf("%w: filter.from must be before filter.to", ErrInvalid)
	case f.To.Sub(f.From) > MaxRange:
		return fmt.Errorf("%w: filter.from to filter.to must span at most %d days", ErrInvalid, int(MaxRange/(24*time.Hour)))
	}
	return nil
}

// Match reports whether a is an active appointment the filter selects.
func (f Filter) Match(a dialogue.Appointment) bool {
	return a.Active() &&
		(f.Location == "" || a.Location == f.Location) &&
		(f.Provider == "" || a.Provider == f.Provider) &&
		!a.Start.Before(f.From) && a.Start.Before(f.To)
}

// Message is what a broadcast says: either a template per language
// (Templates, which must hold FallbackLang) or a locale message key (Key)
// rendered in each patient's language.
type Message struct {
	Templates map[string]string `json:"templates,omitempty"`
	Key       string            `json:"key,omitempty"`
}

// keyNeeds lists message keys a broadcast cannot fill: they need data only
// a conversation has (numbered options, counts).
var keyNeeds = map[string]string{
	locales.RescheduleOffer: "a list of offered times",
	locales.ReschedulePick:  "a count of offered times",
	locales.HelpInfo:        "the program's message count",
}

// Validate reports the first thing wrong with m (wrapping ErrInvalid).
func (m Message) Validate() error {
	switch {
	case m.Key != "" && len(m.Templates) > 0:
		return fmt.Errorf("%w: give either templates or key, not both", ErrInvalid)
	case m.Key == "" && len(m.Templates) == 0:
		return fmt.Errorf("%w: templates (with %q) or key is required", ErrInvalid, FallbackLang)
	case m.Key != "":
		if !slices.Contains(locales.Keys, m.Key) {
			return fmt.Errorf("%w: key %q is not a message key", ErrInvalid, m.Key)
		}
		if need, ok := keyNeeds[m.Key]; ok {
			return fmt.Errorf("%w: key %q needs %s and cannot be broadcast", ErrInvalid, m.Key, need)
		}
		return nil
	}
	if _, ok := m.Templates[FallbackLang]; !ok {
		return fmt.Errorf("%w: templates must include %q, the text for patients whose language has none", ErrInvalid, FallbackLang)
	}
	for _, lang := range TemplateLanguages(m) {
		if !locales.IsSupported(lang) {
			return fmt.Errorf("%w: templates: language %q must be one of %s", ErrInvalid, lang, strings.Join(locales.Supported, ", "))
		}
		if err := checkTemplate(m.Templates[lang]); err != nil {
			return fmt.Errorf("%w: templates.%s %v", ErrInvalid, lang, err)
		}
	}
	return nil
}

// checkTemplate: non-blank valid UTF-8, at most MaxTemplateChars, no
// control characters but line breaks and tabs.
func checkTemplate(t string) error {
	switch {
	case strings.TrimSpace(t) == "":
		return errors.New("is empty")
	case !utf8.ValidString(t):
		return errors.New("must be valid UTF-8")
	case utf8.RuneCountInString(t) > MaxTemplateChars:
		return fmt.Errorf("must be at most %d characters", MaxTemplateChars)
	}
	for _, r := range t {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return errors.New("must not contain control characters")
		}
	}
	return nil
}

// TemplateLanguages lists the languages m has a template for, sorted.
func TemplateLanguages(m Message) []string {
	langs := make([]string, 0, len(m.Templates))
	for lang := range m.Templates {
		langs = append(langs, lang)
	}
	slices.Sort(langs)
	return langs
}

// Broadcast is one queued message to many patients, as stored.
type Broadcast struct {
	ID        string    `json:"id"`
	Filter    Filter    `json:"filter"`
	Message   Message   `json:"message"`
	Total     int       `json:"total"`
	CreatedAt time.Time `json:"created_at"`
}

// threadKey names the broadcast's texts on conversations; a stale claim is
// settled as sent when the thread shows it.
func (b Broadcast) threadKey() string { return ThreadKey(b.ID) }

// ThreadKey is the key a broadcast's texts carry on the conversation
// thread (dialogue.Message.Key).
func ThreadKey(id string) string { return "broadcast:" + id }

// Recipient is one phone a broadcast goes to, through one of its patients
// (the one with the earliest matching appointment). The appointment's
// details are kept for message keys that name it.
type Recipient struct {
	PatientID     string    `json:"patient_id"`
	Phone         string    `json:"phone"`
	Name          string    `json:"name,omitempty"` // first name
	AppointmentID string    `json:"appointment_id"`
	Provider      string    `json:"provider,omitempty"`
	Type          string    `json:"type,omitempty"`
	Location      string    `json:"location,omitempty"`
	Start         time.Time `json:"start"`
}

// Outcome is how a recipient was settled.
type Outcome string

// Outcomes. Each recipient is settled exactly once.
const (
	Sent    Outcome = "sent"
	Failed  Outcome = "failed"
	Skipped Outcome = "skipped" // opted out: nothing sent
)

// Status is where a broadcast stands.
type Status string

// Statuses.
const (
	Queued  Status = "queued"  // nobody claimed yet
	Sending Status = "sending" // some recipients claimed, not all settled
	Done    Status = "done"    // every recipient settled
)

// Progress counts a broadcast's recipients. Claimed counts recipients
// taken by a worker (settled or in flight); the rest are waiting.
type Progress struct {
	Total   int       `json:"total"`
	Claimed int       `json:"claimed"`
	Sent    int       `json:"sent"`
	Failed  int       `json:"failed"`
	Skipped int       `json:"skipped"`
	DoneAt  time.Time `json:"done_at,omitzero"`
}

// Settled is how many recipients have an outcome.
func (p Progress) Settled() int { return p.Sent + p.Failed + p.Skipped }

// Queued is how many recipients have no outcome yet (waiting or in
// flight): Queued + Sent + Failed + Skipped == Total.
func (p Progress) Queued() int { return max(0, p.Total-p.Settled()) }

// Status derives the broadcast's status from the counts.
func (p Progress) Status() Status {
	switch {
	case p.Settled() >= p.Total:
		return Done
	case p.Claimed == 0 && p.Settled() == 0:
		return Queued
	}
	return Sending
}

// Claim is one recipient a worker holds: Index is its place in the
// broadcast's list.
type Claim struct {
	Index     int
	Recipient Recipient
}

// Store keeps broadcasts and hands their recipients out. internal/store
// satisfies it over Redis.
type Store interface {
	// AppointmentsBetween returns the appointments starting in [from, to),
	// whatever their status.
	AppointmentsBetween(ctx context.Context, from, to time.Time) ([]dialogue.Appointment, error)
	// PatientsByID returns the patients of ids that exist, in no set order.
	PatientsByID(ctx context.Context, ids []string) ([]dialogue.Patient, error)

	// CreateBroadcast stores b and its recipients, all at once, and lists
	// it for workers (unless it has no recipients).
	CreateBroadcast(ctx context.Context, b Broadcast, rs []Recipient) error
	// Broadcast returns a broadcast and its counts, or dialogue.ErrNotFound.
	Broadcast(ctx context.Context, id string) (Broadcast, Progress, error)
	// ActiveBroadcasts lists the ids of broadcasts not known to be done,
	// oldest first.
	ActiveBroadcasts(ctx context.Context) ([]string, error)
	// RetireBroadcast removes a done broadcast from the active list.
	RetireBroadcast(ctx context.Context, id string) error

	// ClaimRecipient hands the next unclaimed recipient to exactly one
	// caller, leased until leaseUntil; ok is false when none is left.
	ClaimRecipient(ctx context.Context, id string, leaseUntil time.Time) (c Claim, ok bool, err error)
	// SettleRecipient records the outcome of a claim. It is counted once:
	// settling a claim already settled does nothing and returns
	// counted=false. done tells that this settled the last recipient.
	SettleRecipient(ctx context.Context, id string, index int, o Outcome, now time.Time) (counted, done bool, err error)
	// ReleaseRecipient gives back a claim whose text was certainly not
	// sent (the worker stopped before sending); the next claim takes it.
	ReleaseRecipient(ctx context.Context, id string, index int) error
	// ExpiredClaims lists claims whose lease ended before now (their worker
	// presumably died), at most limit.
	ExpiredClaims(ctx context.Context, id string, now time.Time, limit int) ([]Claim, error)

	// Messages returns a phone's conversation thread (to settle expired claims).
	Messages(ctx context.Context, phone string) ([]dialogue.Message, error)
}

// Throttle paces sends across every replica.
type Throttle interface {
	// ReserveSend reserves the next send slot of bucket, whose slots are
	// interval apart, and returns how long until it (0: send now). The
	// caller sends when it comes, without asking again.
	ReserveSend(ctx context.Context, bucket string, interval time.Duration) (wait time.Duration, err error)
}

// Announcer sends one automated text to a patient in the patient's
// language (dialogue.Engine does): render gets the chosen language and
// returns the text. It returns dialogue.ErrOptedOut for opted-out numbers
// and wraps dialogue.ErrSendFailed when the provider fails.
type Announcer interface {
	Announce(ctx context.Context, patientID, key string, render func(lang string) string) (dialogue.Sent, error)
}

// Service plans and queues broadcasts and reports their progress.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
}

// NewService returns a Service over st.
func NewService(st Store) *Service {
	return &Service{store: st, now: time.Now, newID: dialogue.RandomID("bc-")}
}

// Create validates the request, finds the recipients and queues the
// broadcast. When it returns, the recipient list is stored: workers will
// send it even if this process stops now.
func (s *Service) Create(ctx context.Context, f Filter, m Message) (Broadcast, error) {
	if err := f.Validate(); err != nil {
		return Broadcast{}, err
	}
	if err := m.Validate(); err != nil {
		return Broadcast{}, err
	}
	rs, err := s.Recipients(ctx, f)
	if err != nil {
		return Broadcast{}, err
	}
	b := Broadcast{ID: s.newID(), Filter: f, Message: m, Total: len(rs), CreatedAt: s.now().UTC()}
	if err := s.store.CreateBroadcast(ctx, b, rs); err != nil {
		return Broadcast{}, fmt.Errorf("queue broadcast: %w", err)
	}
	return b, nil
}

// Recipients lists who a broadcast with filter f goes to: the patients of
// the active appointments f matches, one per phone number (the patient of
// the earliest appointment; ties by appointment id), in that order.
func (s *Service) Recipients(ctx context.Context, f Filter) ([]Recipient, error) {
	appts, err := s.store.AppointmentsBetween(ctx, f.From, f.To)
	if err != nil {
		return nil, fmt.Errorf("broadcast recipients: %w", err)
	}
	appts = slices.DeleteFunc(appts, func(a dialogue.Appointment) bool { return !f.Match(a) })
	ids := make([]string, 0, len(appts))
	for _, a := range appts {
		ids = append(ids, a.PatientID)
	}
	slices.Sort(ids)
	ps, err := s.store.PatientsByID(ctx, slices.Compact(ids))
	if err != nil {
		return nil, fmt.Errorf("broadcast recipients: %w", err)
	}
	return plan(appts, ps), nil
}

// plan picks one recipient per phone from the matching appointments.
func plan(appts []dialogue.Appointment, ps []dialogue.Patient) []Recipient {
	byID := make(map[string]dialogue.Patient, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	slices.SortFunc(appts, func(a, b dialogue.Appointment) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	seen := make(map[string]bool, len(appts))
	var rs []Recipient
	for _, a := range appts {
		p, ok := byID[a.PatientID]
		if !ok || p.Phone == "" || seen[p.Phone] {
			continue
		}
		seen[p.Phone] = true
		rs = append(rs, Recipient{PatientID: p.ID, Phone: p.Phone, Name: firstName(p.Name), AppointmentID: a.ID,
			Provider: a.Provider, Type: a.Type, Location: a.Location, Start: a.Start})
	}
	return rs
}

func firstName(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
		return name[:i]
	}
	return name
}

// Get returns a broadcast and its progress, or dialogue.ErrNotFound.
func (s *Service) Get(ctx context.Context, id string) (Broadcast, Progress, error) {
	return s.store.Broadcast(ctx, id)
}
