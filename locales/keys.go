package locales

// Message keys: every outbound text the service sends. Each active.<lang>.toml
// file defines all of them with the placeholders listed here; a test fails
// when any language lacks a key or a placeholder.
//
// Placeholders: Clinic (clinic name), ClinicPhone (clinic's phone number for
// calls), Name (patient's first name), Provider, Type (visit type), When (date
// and time, already formatted for the language), Options (a numbered list of
// times, one per line, already formatted), Count (a number, drives plural forms).
const (
	// Reminder asks for a reply by short code, never "reply CANCEL".
	// {{.Clinic}} {{.Name}} {{.Type}} {{.Provider}} {{.When}}
	Reminder = "reminder"
	// ConfirmDone: appointment confirmed. {{.When}}
	ConfirmDone = "confirm.done"
	// CancelAsk: "cancel your visit on When? Reply YES to cancel, NO to keep it." {{.When}}
	CancelAsk = "cancel.ask"
	// CancelDone: cancelled, offers a new time (reply R). {{.When}}
	CancelDone = "cancel.done"
	// CancelKept: patient said no, visit stays. {{.When}}
	CancelKept = "cancel.kept"
	// RescheduleOffer: up to 3 times, reply with the number. {{.Options}} {{.Count}} (plural)
	RescheduleOffer = "reschedule.offer"
	// RescheduleNone: no time fits; reply W to join the waitlist or a person will help.
	RescheduleNone = "reschedule.none"
	// RescheduleDone: moved. {{.When}}
	RescheduleDone = "reschedule.done"
	// RescheduleTaken: the picked time was just taken (new options follow in another text).
	RescheduleTaken = "reschedule.taken"
	// ReschedulePick: please reply with a number between 1 and {{.Count}}.
	ReschedulePick = "reschedule.pick"
	// WaitlistJoined: on the waitlist, current visit stays booked. {{.When}}
	WaitlistJoined = "waitlist.joined"
	// WaitlistOffer: an earlier time opened; reply YES to take it (current one moves). {{.When}} {{.Provider}}
	WaitlistOffer = "waitlist.offer"
	// WaitlistClaimed: it is yours, visit moved. {{.When}}
	WaitlistClaimed = "waitlist.claimed"
	// WaitlistTaken: someone else took it, you stay on the waitlist.
	WaitlistTaken = "waitlist.taken"
	// Handoff: a person from the team will answer shortly.
	Handoff = "handoff"
	// Clarify: did not understand; reply C confirm, R reschedule, X cancel, W waitlist.
	Clarify = "clarify"
	// OptOutDone: unsubscribed, no more texts, reply START to resubscribe. {{.Clinic}}
	OptOutDone = "optout.done"
	// OptOutCancelWord: after a bare CANCEL: unsubscribed; the visit is NOT
	// cancelled, call ClinicPhone to cancel it; START to resubscribe.
	// {{.Clinic}} {{.When}} {{.ClinicPhone}}
	OptOutCancelWord = "optout.cancel_word"
	// OptInDone: resubscribed; HELP for help, STOP to opt out. {{.Clinic}}
	OptInDone = "optin.done"
	// HelpInfo: CTIA program info: clinic name, appointment messages, up to
	// Count msgs per appointment (plural), "Msg & data rates may apply",
	// reply STOP to opt out, help at ClinicPhone. {{.Clinic}} {{.Count}} {{.ClinicPhone}}
	HelpInfo = "help.info"
	// ClinicCancelled: the clinic had to cancel the visit; reply R for a new time. {{.Clinic}} {{.When}}
	ClinicCancelled = "clinic.cancelled"
	// NoAppointment: we found no upcoming appointment for this number; a person will help.
	NoAppointment = "no_appointment"
	// WhichAppointment: several visits share this number; which one is meant?
	// {{.Options}} is a numbered list "1) Maria, Tue Dec 3, 10:30 AM", one a line.
	WhichAppointment = "which_appointment"
	// RescheduleNearest: nothing matches the day/time the patient named; the
	// nearest open times follow; reply with the number or W to wait. {{.Options}} {{.Count}} (plural)
	RescheduleNearest = "reschedule.nearest"
	// WaitlistDeclined: patient said no to an offered time; visit stays, still on the waitlist. {{.When}}
	WaitlistDeclined = "waitlist.declined"
)

// Keys lists every message key; tests check each language against it.
var Keys = []string{
	Reminder, ConfirmDone, CancelAsk, CancelDone, CancelKept,
	RescheduleOffer, RescheduleNone, RescheduleDone, RescheduleTaken, ReschedulePick,
	WaitlistJoined, WaitlistOffer, WaitlistClaimed, WaitlistTaken,
	Handoff, Clarify, OptOutDone, OptOutCancelWord, OptInDone, HelpInfo,
	ClinicCancelled, NoAppointment, WhichAppointment, RescheduleNearest, WaitlistDeclined,
}
