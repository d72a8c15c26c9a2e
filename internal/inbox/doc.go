// Package inbox is the staff inbox (SPEC §7): people log in, work the
// conversations the bot escalated, reply by SMS, keep private notes with
// @mentions, assign, resolve, and correct misread intents for retraining.
// Every view and action on a conversation goes to an append-only audit
// stream that admins read. Pages are server-rendered html/template files
// embedded in the binary, with one small CSS and one small JS file; live
// updates arrive over Server-Sent Events fed by Redis pub/sub, so every
// replica sees every change.
//
// The inbox keeps its own records in Redis next to internal/store's,
// through go-redis directly.
//
// # Key layout
//
// Every key starts with the prefix given to NewStore (P below), the same
// prefix internal/store uses, and carries a hash tag ({...}) that decides
// its cluster slot. Keys of one conversation use the phone as tag, like the
// store's P:conv:{<phone>}, so they share its slot:
//
//	P:{inbox}:users               set     emails of every staff account
//	P:{inbox}:user:<email>        hash    role, hash (bcrypt), gen (logout-everywhere generation)
//	P:{inbox}:fail:acct:<email>   string  failed logins in the window (expires)
//	P:{inbox}:fail:ip:<ip>        string  failed logins from one address (expires)
//	P:{inbox}:mentions:<email>    list    JSON Mention, newest first
//	P:{inbox}:corrections         hash    "<phone>|<index>" -> JSON Correction
//	P:{inbox}:resolved            zset    phones resolved by staff, score Unix ms
//	P:{inbox}:audit               stream  audit entries: at, who, action, phone, detail
//	P:inbox:sess:{<sha256(id)>}   hash    email, csrf, gen, v:<phone> (last audited view); idle TTL
//	P:inbox:{<phone>}:assignee    string  email of the staff member who owns the chat
//	P:inbox:{<phone>}:notes       list    JSON Note, oldest first (never sent to the patient)
//	P:inbox:{<phone>}:seen        hash    email -> Unix ms the user last opened the chat
//	P:inbox:{<phone>}:tr:<lang>   hash    message index -> translation for staff (LLM; redacted input)
//
// The pub/sub channel P:inbox:events carries {"phone","kind"} for every
// change (Publisher, the dialogue.Observer, and the inbox's own actions).
//
// Sessions are stored under the SHA-256 of their id, so a Redis dump holds
// no usable cookie. "Logout everywhere" bumps the user's gen, which every
// older session then fails to match. Message text never enters the audit
// stream; corrections keep the text, since retraining needs it.
package inbox
