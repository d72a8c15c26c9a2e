package dialogue

import (
	"context"
	"time"

	"clinicsms/intents"
)

// Conversations keeps conversations and their messages. internal/store
// satisfies it over Redis; keys of one phone share a hash tag.
type Conversations interface {
	// Conversation returns the phone's conversation, or a new Idle one
	// (Phone set, zero UpdatedAt) when none exists. Never ErrNotFound.
	Conversation(ctx context.Context, phone string) (Conversation, error)
	SaveConversation(ctx context.Context, c Conversation) error
	// AppendMessage adds m to the phone's thread.
	AppendMessage(ctx context.Context, phone string, m Message) error
	Messages(ctx context.Context, phone string) ([]Message, error)
	// Lock serialises processing of one phone across processes. The returned
	// func releases it. It waits up to a few seconds, then fails.
	Lock(ctx context.Context, phone string) (unlock func(), err error)
	OpenTask(ctx context.Context, t Task) error
	// AllowAutomated counts one more automated text to phone at now if
	// every cap has room, atomically, and reports whether it may go.
	AllowAutomated(ctx context.Context, phone string, now time.Time, caps []Cap) (bool, error)
}

// Schedule is the clinic's calendar. Every method that changes more than one
// record does so atomically (Lua in Redis).
type Schedule interface {
	Patient(ctx context.Context, id string) (Patient, error)
	PatientsByPhone(ctx context.Context, phone string) ([]Patient, error)
	Appointment(ctx context.Context, id string) (Appointment, error)
	// AppointmentsByPatient returns the patient's appointments, oldest first.
	AppointmentsByPatient(ctx context.Context, patientID string) ([]Appointment, error)
	// Confirm marks an active appointment confirmed.
	Confirm(ctx context.Context, apptID string) (Appointment, error)
	// Cancel marks an active appointment cancelled, removes it from the
	// waitlist and opens its time as a slot (SlotFrom). Cancelling a
	// cancelled appointment returns ErrConflict and changes nothing.
	Cancel(ctx context.Context, apptID string) (Appointment, Slot, error)
	// OpenSlots lists open slots of provider and type starting after from,
	// earliest first, at most limit.
	OpenSlots(ctx context.Context, provider, typ string, from time.Time, limit int) ([]Slot, error)
	Slot(ctx context.Context, id string) (Slot, error)
	// Move books slotID for the appointment's patient as a new confirmed
	// appointment (id newID), marks the old one rescheduled with
	// rescheduled_to, removes it from the waitlist and opens its old time as
	// a slot, all at once. ErrSlotTaken when the slot is no longer open;
	// ErrConflict when the appointment is not active.
	Move(ctx context.Context, apptID, slotID, newID string) (moved Appointment, freed Slot, err error)
	// Book books an open slot as a new confirmed appointment of patientID
	// (id newID), for a patient whose visit was cancelled and who wants a
	// new time. ErrSlotTaken when the slot is no longer open.
	Book(ctx context.Context, slotID, patientID, newID string) (Appointment, error)
	JoinWaitlist(ctx context.Context, apptID string, at time.Time) error
	// RecordOffers notes that a slot was offered to these appointments, in
	// a batch that expires at expires; Offered lists everyone it was ever
	// offered to (a declined or expired offer never comes back).
	RecordOffers(ctx context.Context, slotID string, apptIDs []string, expires time.Time) error
	Offered(ctx context.Context, slotID string) (map[string]bool, error)
	// TakeDueOffers hands each slot whose offer batch expired to exactly one
	// caller; ClearOffers ends expiry handling for a taken slot.
	TakeDueOffers(ctx context.Context, now time.Time) ([]string, error)
	ClearOffers(ctx context.Context, slotID string) error
	// WaitlistFor lists waiting entries that could take slot: same provider,
	// type and location, current appointment later than the slot, in join
	// order.
	WaitlistFor(ctx context.Context, s Slot) ([]WaitlistEntry, error)
}

// Sender sends one SMS and returns the provider's message id.
// A send to a number the carrier has opted out returns ErrOptedOut.
type Sender interface {
	Send(ctx context.Context, to, body string) (sid string, err error)
}

// Reader understands one inbound text, given the language known for the
// conversation ("" when none).
type Reader interface {
	Read(text, knownLang string) intents.Reading
}

// Texts renders outbound messages from locale keys.
type Texts interface {
	// Text renders key in lang (falling back to English) with data.
	// A time.Time in data is formatted as a date and time in lang.
	Text(lang, key string, data map[string]any) string
	// When formats t (already in the location's zone) as a short date and time in lang.
	When(lang string, t time.Time) string
}

// Fallback gives a second reading of a text the local model is unsure of
// (an LLM behind intents.LLM). It must redact PHI itself; names are the
// patients' known names on the number, for that redaction.
type Fallback interface {
	Refine(ctx context.Context, text string, local intents.Reading, names []string) (intents.Reading, error)
}

// Observer hears that a conversation changed: a message came in or went
// out, or its state moved. kind is "message" or "state".
type Observer interface {
	ConversationChanged(ctx context.Context, phone, kind string)
}
