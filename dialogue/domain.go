package dialogue

import (
	"errors"
	"time"
)

// Domain errors. Adapters translate vendor errors into these.
var (
	ErrNotFound  = errors.New("not found")
	ErrSlotTaken = errors.New("slot taken")
	ErrOptedOut  = errors.New("opted out")
	ErrConflict  = errors.New("conflict")
)

// Patient is a person who receives texts. Several patients may share a phone.
type Patient struct {
	ID       string `json:"id"`
	Phone    string `json:"phone"` // E.164
	Name     string `json:"name"`
	Language string `json:"language,omitempty"` // known preference, ISO 639-1
}

// Status is an appointment's life-cycle state.
type Status string

// Appointment statuses (SPEC §5).
const (
	Booked      Status = "booked"
	Confirmed   Status = "confirmed"
	Cancelled   Status = "cancelled"
	Rescheduled Status = "rescheduled"
)

// Appointment is a booked visit.
type Appointment struct {
	ID              string    `json:"id"`
	PatientID       string    `json:"patient_id"`
	Provider        string    `json:"provider"`
	Location        string    `json:"location"`
	Type            string    `json:"type"`
	Start           time.Time `json:"start"`
	DurationMinutes int       `json:"duration_minutes"`
	Status          Status    `json:"status"`
	RescheduledTo   string    `json:"rescheduled_to,omitempty"`
	RescheduledFrom string    `json:"rescheduled_from,omitempty"`
	Waitlisted      bool      `json:"waitlisted,omitempty"`
}

// Active reports whether the appointment still holds its time.
func (a Appointment) Active() bool { return a.Status == Booked || a.Status == Confirmed }

// Slot is an open, bookable time.
type Slot struct {
	ID              string    `json:"id"`
	Provider        string    `json:"provider"`
	Location        string    `json:"location"`
	Type            string    `json:"type"`
	Start           time.Time `json:"start"`
	DurationMinutes int       `json:"duration_minutes"`
}

// SlotFrom returns the slot an appointment's time becomes when it is freed.
// Its id is derived from the appointment so freeing twice is idempotent.
func SlotFrom(a Appointment) Slot {
	return Slot{ID: "freed-" + a.ID, Provider: a.Provider, Location: a.Location, Type: a.Type, Start: a.Start, DurationMinutes: a.DurationMinutes}
}

// WaitlistEntry is one appointment waiting for an earlier matching slot.
type WaitlistEntry struct {
	AppointmentID string    `json:"appointment_id"`
	PatientID     string    `json:"patient_id"`
	Provider      string    `json:"provider"`
	Type          string    `json:"type"`
	Location      string    `json:"location"`
	Current       time.Time `json:"current_start"`
	JoinedAt      time.Time `json:"joined_at"`
}

// State is where a conversation stands.
type State string

// Conversation states. The transition table in engine.go is the one place
// that says what happens in each.
const (
	Idle          State = "idle"                 // nothing pending
	AwaitingReply State = "awaiting_reply"       // a reminder went out
	ConfirmCancel State = "confirm_cancel"       // asked "cancel, really?"
	ChoosingSlot  State = "choosing_slot"        // offered up to 3 slots
	WaitlistOffer State = "waitlist_offer"       // offered a freed slot from the waitlist
	ChoosingAppt  State = "choosing_appointment" // asked which of several visits is meant
	Escalated     State = "escalated"            // a person owns the chat; the bot is quiet
)

// Conversation is the state of one phone number's chat with the clinic.
type Conversation struct {
	Phone            string   `json:"phone"`
	State            State    `json:"state"`
	Language         string   `json:"language,omitempty"`
	OptedOut         bool     `json:"opted_out"`
	Escalated        bool     `json:"escalated"`
	EscalationReason string   `json:"escalation_reason,omitempty"`
	AppointmentID    string   `json:"appointment_id,omitempty"` // appointment in focus
	Offers           []string `json:"offers,omitempty"`         // slot ids offered, in order
	OfferSlotID      string   `json:"offer_slot_id,omitempty"`  // waitlist slot offered
	Misunderstood    int      `json:"misunderstood,omitempty"`
	// Pending lists appointments reminded and not yet answered; with more
	// than one (a parent and children) a bare "C" is ambiguous.
	Pending []string `json:"pending,omitempty"`
	// Choices, ChoiceEvent and ChoiceConfidence keep a wish while the
	// patient says which appointment it is for.
	Choices          []string  `json:"choices,omitempty"`
	ChoiceEvent      string    `json:"choice_event,omitempty"`
	ChoiceConfidence float64   `json:"choice_confidence,omitempty"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Direction of a message.
const (
	In  = "in"
	Out = "out"
)

// Message is one text in or out, as kept on the conversation.
type Message struct {
	SID        string    `json:"sid,omitempty"` // Twilio MessageSid (in) or provider sid (out)
	Direction  string    `json:"direction"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"`
	Lang       string    `json:"lang,omitempty"`
	Intent     string    `json:"intent,omitempty"`
	Confidence float64   `json:"confidence,omitempty"`
	Key        string    `json:"key,omitempty"`    // locale key of an outbound text
	Status     string    `json:"status,omitempty"` // delivery status of an outbound text
}

// Task is a to-do for clinic staff (for example: patient texted a bare CANCEL).
type Task struct {
	ID            string    `json:"id"`
	Phone         string    `json:"phone"`
	AppointmentID string    `json:"appointment_id,omitempty"`
	Kind          string    `json:"kind"`
	Note          string    `json:"note"`
	At            time.Time `json:"at"`
}

// Cap limits automated texts to one phone: at most Max in any window Per.
type Cap struct {
	Max int
	Per time.Duration
}
