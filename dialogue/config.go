package dialogue

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Clinic is what the service says about itself in texts.
type Clinic struct {
	Name  string // "Sunrise Clinic"
	Phone string // number patients call, e.g. "+1 555 0100"
	// Zone is the clinic's default time zone; Zones overrides it per location.
	Zone  *time.Location
	Zones map[string]*time.Location
}

// ZoneOf returns the time zone of a location.
func (c Clinic) ZoneOf(location string) *time.Location {
	if z, ok := c.Zones[location]; ok && z != nil {
		return z
	}
	if c.Zone != nil {
		return c.Zone
	}
	return time.UTC
}

// Config tunes the engine. Zero values take the defaults of Defaults.
type Config struct {
	Clinic Clinic
	// WaitlistBatch is how many waiting patients a freed slot is offered to at once.
	WaitlistBatch int
	// OfferExpiry is how long a batch of waitlist offers stands before the
	// slot is offered to the next batch.
	OfferExpiry time.Duration
	// CancelConfidence is the confidence a cancel reading needs to act
	// without asking first; below it the engine asks "cancel, really?".
	CancelConfidence float64
	// MessagesPerAppointment is the frequency the HELP text announces.
	MessagesPerAppointment int
	// CarrierAnswersKeywords is true when the SMS provider (Twilio's default
	// Advanced Opt-Out) answers the English STOP/START/HELP keywords itself:
	// the engine then records the change and sends no second text.
	CarrierAnswersKeywords bool
	// Caps limit automated texts (scheduled reminders, broadcasts) per
	// phone; none by default. See Automated.
	Caps []Cap
	// Observer, when set, hears about every change to a conversation (for
	// live updates in the staff inbox). It must not block.
	Observer Observer
	// Fallback, when set, re-reads texts the local model is unsure of.
	Fallback Fallback
	// Now and NewID are injectable for tests.
	Now   func() time.Time
	NewID func() string
}

func (c Config) withDefaults() Config {
	if c.WaitlistBatch <= 0 {
		c.WaitlistBatch = 3
	}
	if c.OfferExpiry <= 0 {
		c.OfferExpiry = 30 * time.Minute
	}
	if c.CancelConfidence <= 0 {
		c.CancelConfidence = 0.8
	}
	if c.MessagesPerAppointment <= 0 {
		c.MessagesPerAppointment = 4
	}
	if c.Clinic.Name == "" {
		c.Clinic.Name = "the clinic"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.NewID == nil {
		c.NewID = RandomID("apt-")
	}
	return c
}

// RandomID returns a generator of ids with prefix and 12 random hex digits.
func RandomID(prefix string) func() string {
	return func() string {
		var b [6]byte
		_, _ = rand.Read(b[:])
		return prefix + hex.EncodeToString(b[:])
	}
}
