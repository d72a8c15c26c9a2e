// Package store keeps the clinic's schedule (patients, appointments, open
// slots, waitlist, staff tasks) and the SMS conversations in Redis. It
// satisfies dialogue.Conversations and dialogue.Schedule, plus what the
// HTTP API and the Twilio gateway need (PutPatient, PutAppointment,
// PutSlot, ClaimInbound, UpdateMessageStatus, ...).
//
// It takes a redis.UniversalClient, so the same code runs on a single
// node, on Redis Cluster, and on the embedded miniredis.
//
// # Key layout
//
// Every key starts with the prefix given to New (P below). Every key also
// carries a hash tag ({...}), which decides its cluster slot:
//
//	P:{sched}:patient:<id>     string  JSON dialogue.Patient
//	P:{sched}:phone:<phone>    set     ids of the patients with that phone
//	P:{sched}:appt:<id>        string  JSON dialogue.Appointment
//	P:{sched}:pappts:<pid>     zset    the patient's appointment ids, score start (Unix ms)
//	P:{sched}:starts           zset    every appointment id, score start (Unix ms)
//	P:{sched}:remind:...       string  reminder claims and marks (reminders.go)
//	P:{sched}:slot:<id>        string  JSON dialogue.Slot of an open slot
//	P:{sched}:slots            zset    open slot ids, score start (Unix ms)
//	P:{sched}:wait             zset    waitlisted appointment ids, score join time (Unix ms)
//	P:{sched}:tasks            list    JSON dialogue.Task, oldest first
//
//	P:conv:{<phone>}           string  JSON dialogue.Conversation
//	P:conv:{<phone>}:msgs      list    JSON dialogue.Message, oldest first (append-only)
//	P:conv:{<phone>}:lock      string  lock token (30 s lease)
//	P:{convs}:phones           set     phones that have a conversation
//
//	P:msgsid:{<sid>}           string  "<position>:<phone>" of an outbound message (30 days)
//	P:inbound:{<sid>}          string  "pending:<Unix ms>" or "done" (7 days)
//
// All scheduling keys share the tag {sched}, so a change touching several
// of them runs as one script in one cluster slot. The price is that the
// whole schedule lives on one cluster node; a clinic's calendar is small.
// The keys of one conversation share the phone as tag.
//
// # Atomicity
//
// Every change to more than one scheduling record (PutPatient,
// PutAppointment, PutSlot, Confirm, Cancel, Move, JoinWaitlist) is one run
// of a single Lua script, batchScript: Go reads the records, decides and
// encodes the new JSON, then the script checks guards (a record still
// holds exactly the JSON read, a key is absent or present, a slot is
// still in the open set) and applies all writes only if every guard holds.
// A guard that fails because a record changed in between makes Go read
// again and retry (bounded); a guard that fails for a domain reason maps
// to its error (ErrSlotTaken when the slot left the open set, ErrNotFound
// for an unknown patient, ErrConflict for a used appointment id). The
// script never builds key names and never parses JSON, so it behaves the
// same on Redis 7, Redis Cluster and miniredis.
//
// A few writes span two hash tags and so cannot share a script; they are
// ordered so that a crash in between leaves something harmless: the
// conversation index is written before the conversation (a listed phone
// without a record reads as Idle), and a message before its sid index (a
// status callback for it then finds nothing and gets ErrNotFound).
package store
