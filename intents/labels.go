// Package intents reads what a patient's text message means: the compliance
// keyword layer, language detection, the trained local classifier and (later)
// the LLM fallback. It knows nothing of SMS, HTTP or sessions.
package intents

// Label is one of the eight things a patient's reply can mean (SPEC §3).
type Label string

// The one list of labels. Adding a label here makes corpus and locale tests
// fail until every language covers it.
const (
	Confirm    Label = "confirm"
	Cancel     Label = "cancel"
	Reschedule Label = "reschedule"
	Waitlist   Label = "waitlist"
	Question   Label = "question"
	OptOut     Label = "opt_out"
	Help       Label = "help"
	Other      Label = "other"
)

// Labels lists every label in a stable order.
var Labels = []Label{Confirm, Cancel, Reschedule, Waitlist, Question, OptOut, Help, Other}

// Valid reports whether l is one of Labels.
func (l Label) Valid() bool {
	for _, x := range Labels {
		if x == l {
			return true
		}
	}
	return false
}

// Keyword is what the compliance layer recognised in a bare message.
type Keyword string

// Compliance keywords (SPEC §3). KeywordNone means the text is not a bare keyword.
const (
	KeywordNone  Keyword = ""
	KeywordStop  Keyword = "stop"  // STOP family, incl. a bare CANCEL: opt out
	KeywordStart Keyword = "start" // START, UNSTOP and local equivalents: opt back in
	KeywordHelp  Keyword = "help"  // HELP, INFO and local equivalents
)

// Reading is what the service understood of one inbound text.
type Reading struct {
	Lang       string  // ISO 639-1 code the reply should use (prior-aware)
	LangSure   bool    // detection was confident enough to update a conversation's language
	Intent     Label   // best label
	Confidence float64 // calibrated probability of Intent, 0..1
	Sure       bool    // Confidence reached the threshold: safe to act on
	Keyword    Keyword // set when the compliance layer decided
	Source     string  // "keyword", "code", "model" (later "llm")
}
