// Package twiliofake is an in-process stand-in for Twilio's Messages REST
// API, for tests. It answers POST /2010-04-01/Accounts/{AccountSid}/Messages.json
// the way Twilio does (basic auth, form validation, Twilio's JSON error
// shape and codes), records what it accepted, and can be told to fail:
// opted-out recipients (21610), the next n requests, or a send rate.
//
// It also signs requests the way Twilio signs its webhooks, so tests can
// play Twilio calling the service (see Signature and SignedRequest).
package twiliofake

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Twilio error codes the fake answers with.
const (
	CodeAuthenticate   = 20003 // bad or missing credentials
	CodeNotFound       = 20404 // unknown account in the path
	CodeTooManyRequest = 20429 // over the rate set with SetRate
	CodeInternal       = 20500 // generic server error (FailNext with a 5xx)
	CodeBodyRequired   = 21602 // no Body
	CodeFromRequired   = 21603 // neither From nor MessagingServiceSid
	CodeToRequired     = 21604 // no To
	CodeInvalidTo      = 21211 // To is not E.164
	CodeInvalidFrom    = 21212 // From is neither E.164, a short code nor an alphanumeric sender
	CodeUnsubscribed   = 21610 // recipient replied STOP
)

// Message is one message the fake accepted.
type Message struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
	StatusCallback      string
	At                  time.Time
}

// Server is a fake Twilio REST API on a local httptest.Server. All methods
// are safe for concurrent use.
type Server struct {
	accountSID string
	authToken  string
	srv        *httptest.Server

	mu        sync.Mutex
	messages  []Message
	changed   chan struct{} // closed and replaced whenever messages change
	optedOut  map[string]bool
	failLeft  int
	failCode  int
	rate      float64 // messages a second; 0: unlimited
	tokens    float64
	refilled  time.Time
	throttled int
}

// New starts a fake Twilio that accepts the given credentials. Close it
// when done.
func New(accountSID, authToken string) *Server {
	s := &Server{
		accountSID: accountSID,
		authToken:  authToken,
		changed:    make(chan struct{}),
		optedOut:   map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Messages.json", s.createMessage)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, CodeNotFound, "The requested resource "+r.URL.Path+" was not found")
	})
	s.srv = httptest.NewServer(mux)
	return s
}

// URL is the base URL to give a client instead of https://api.twilio.com
// (TWILIO_API_BASE_URL), for example "http://127.0.0.1:40123".
func (s *Server) URL() string { return s.srv.URL }

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// MessagesTo returns the accepted messages sent to phone, oldest first.
func (s *Server) MessagesTo(phone string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}

// WaitFor blocks until pred holds for the accepted messages, or ctx is done.
// pred is called at once and after every accepted message or Reset.
func (s *Server) WaitFor(ctx context.Context, pred func([]Message) bool) error {
	for {
		s.mu.Lock()
		msgs := append([]Message(nil), s.messages...)
		changed := s.changed
		s.mu.Unlock()
		if pred(msgs) {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("twiliofake: wait for messages (have %d): %w", len(msgs), ctx.Err())
		}
	}
}

// Reset forgets the accepted messages and every injected failure: opt-outs,
// FailNext and SetRate.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = nil
	s.optedOut = map[string]bool{}
	s.failLeft, s.failCode = 0, 0
	s.rate, s.throttled = 0, 0
	s.notifyLocked()
}

// OptOut makes every later send to phone fail as Twilio does for a
// recipient who replied STOP: 400, code 21610.
func (s *Server) OptOut(phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.optedOut[phone] = true
}

// FailNext makes the next n authenticated requests fail with HTTP status
// (for example 500 or 503) and a Twilio error body.
func (s *Server) FailNext(n int, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLeft, s.failCode = n, status
}

// SetRate throttles sends to perSecond messages a second (a token bucket
// holding at most max(1, perSecond) sends, full at the start); sends over
// the rate get 429, code 20429, like Twilio's queue limits. 0 turns the
// limit off.
func (s *Server) SetRate(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = perSecond
	s.tokens = math.Max(1, perSecond)
	s.refilled = time.Now()
}

// Throttled reports how many requests were refused with 429 since the
// last Reset.
func (s *Server) Throttled() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.throttled
}

// notifyLocked wakes WaitFor callers. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// takeTokenLocked reports whether the rate allows one more send now.
// s.mu must be held.
func (s *Server) takeTokenLocked(now time.Time) bool {
	if s.rate <= 0 {
		return true
	}
	s.tokens = math.Min(math.Max(1, s.rate), s.tokens+now.Sub(s.refilled).Seconds()*s.rate)
	s.refilled = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

var (
	e164Re         = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	shortCodeRe    = regexp.MustCompile(`^[0-9]{5,6}$`)
	alphaSenderRe  = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	hasLetterRe    = regexp.MustCompile(`[A-Za-z]`)
	serviceSIDRe   = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	twilioDateTime = "Mon, 02 Jan 2006 15:04:05 -0700"
)

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.accountSID || pass != s.authToken {
		w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
		writeError(w, http.StatusUnauthorized, CodeAuthenticate, "Authenticate")
		return
	}
	if acct := r.PathValue("AccountSid"); acct != s.accountSID {
		writeError(w, http.StatusNotFound, CodeNotFound, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Could not parse the request body")
		return
	}
	now := time.Now()

	s.mu.Lock()
	if s.failLeft > 0 {
		s.failLeft--
		status := s.failCode
		s.mu.Unlock()
		code := 20000 + status
		if status >= 500 {
			code = CodeInternal
		}
		writeError(w, status, code, http.StatusText(status))
		return
	}
	if !s.takeTokenLocked(now) {
		s.throttled++
		s.mu.Unlock()
		writeError(w, http.StatusTooManyRequests, CodeTooManyRequest, "Too Many Requests")
		return
	}
	s.mu.Unlock()

	to := r.PostForm.Get("To")
	from := r.PostForm.Get("From")
	service := r.PostForm.Get("MessagingServiceSid")
	body := r.PostForm.Get("Body")
	switch {
	case to == "":
		writeError(w, http.StatusBadRequest, CodeToRequired, "A 'To' phone number is required.")
		return
	case !e164Re.MatchString(to):
		writeError(w, http.StatusBadRequest, CodeInvalidTo, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
		return
	case from == "" && service == "":
		writeError(w, http.StatusBadRequest, CodeFromRequired, "A 'From' phone number is required.")
		return
	case from != "" && !validFrom(from):
		writeError(w, http.StatusBadRequest, CodeInvalidFrom, fmt.Sprintf("The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from))
		return
	case service != "" && !serviceSIDRe.MatchString(service):
		writeError(w, http.StatusBadRequest, 21701, "The Messaging Service Sid "+service+" is invalid.")
		return
	case body == "" && r.PostForm.Get("MediaUrl") == "" && r.PostForm.Get("ContentSid") == "":
		writeError(w, http.StatusBadRequest, CodeBodyRequired, "Message body is required.")
		return
	}

	s.mu.Lock()
	if s.optedOut[to] {
		s.mu.Unlock()
		writeError(w, http.StatusBadRequest, CodeUnsubscribed, "Attempt to send to unsubscribed recipient")
		return
	}
	m := Message{
		SID:                 newSID("SM"),
		To:                  to,
		From:                from,
		MessagingServiceSID: service,
		Body:                body,
		StatusCallback:      r.PostForm.Get("StatusCallback"),
		At:                  now,
	}
	s.messages = append(s.messages, m)
	s.notifyLocked()
	s.mu.Unlock()

	writeJSON(w, http.StatusCreated, s.messageJSON(m))
}

func validFrom(from string) bool {
	return e164Re.MatchString(from) || shortCodeRe.MatchString(from) ||
		(alphaSenderRe.MatchString(from) && hasLetterRe.MatchString(from))
}

// messageJSON is the resource Twilio answers a create with.
func (s *Server) messageJSON(m Message) map[string]any {
	status := "queued"
	var from, service any
	if m.From != "" {
		from = m.From
	}
	if m.MessagingServiceSID != "" {
		service = m.MessagingServiceSID
		if m.From == "" {
			// Twilio picks the sender later and says "accepted" until then.
			status = "accepted"
		}
	}
	uri := "/2010-04-01/Accounts/" + s.accountSID + "/Messages/" + m.SID
	date := m.At.UTC().Format(twilioDateTime)
	return map[string]any{
		"account_sid":           s.accountSID,
		"api_version":           "2010-04-01",
		"body":                  m.Body,
		"date_created":          date,
		"date_updated":          date,
		"date_sent":             nil,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  from,
		"messaging_service_sid": service,
		"num_media":             "0",
		"num_segments":          fmt.Sprint(Segments(m.Body)),
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   m.SID,
		"status":                status,
		"subresource_uris":      map[string]string{"media": uri + "/Media.json"},
		"to":                    m.To,
		"uri":                   uri + ".json",
	}
}

// Segments counts the SMS segments body takes: 160 GSM-7 characters in one
// segment or 153 each when split; otherwise 70 UTF-16 units, 67 when split.
// Characters of GSM-7's extension table count twice.
func Segments(body string) int {
	units, single, multi := 0, 160, 153
	if gsm7(body) {
		for _, r := range body {
			units++
			if strings.ContainsRune(gsmExtended, r) {
				units++
			}
		}
	} else {
		units, single, multi = len(utf16.Encode([]rune(body))), 70, 67
	}
	if units <= single {
		return 1
	}
	return (units + multi - 1) / multi
}

const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

func gsm7(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(gsmBasic, r) && !strings.ContainsRune(gsmExtended, r) {
			return false
		}
	}
	return true
}

// newSID returns prefix and 32 random hex digits, the shape of Twilio sids.
func newSID(prefix string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return prefix + hex.EncodeToString(b)
}

// writeError answers with Twilio's error shape.
func writeError(w http.ResponseWriter, status, code int, message string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
