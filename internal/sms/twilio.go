// Package sms sends the service's text messages: through Twilio's REST API,
// or to a console (the developer's "phone") when no Twilio account is set.
// Both satisfy dialogue.Sender.
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/twilio/twilio-go"
	"github.com/twilio/twilio-go/client"
	api "github.com/twilio/twilio-go/rest/api/v2010"

	"clinicsms/dialogue"
)

// TwilioConfig says which account sends and from which sender.
type TwilioConfig struct {
	AccountSID string // TWILIO_ACCOUNT_SID, "AC…"
	AuthToken  string // TWILIO_AUTH_TOKEN
	// Exactly one of From and MessagingServiceSID.
	From                string // TWILIO_FROM_NUMBER: E.164, a 5-6 digit short code or an alphanumeric sender id
	MessagingServiceSID string // TWILIO_MESSAGING_SERVICE_SID, "MG…"
	// APIBaseURL replaces https://api.twilio.com (simulators, tests), for
	// example "http://127.0.0.1:12345". Empty: Twilio's.
	APIBaseURL string
	// StatusCallback is the URL Twilio posts delivery status to. Optional.
	StatusCallback string
}

// codeUnsubscribed is Twilio's error for a send to a number that replied STOP.
const codeUnsubscribed = 21610

// requestTimeout bounds one REST call when ctx has no earlier deadline.
const requestTimeout = 15 * time.Second

var (
	e164Re        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	shortCodeRe   = regexp.MustCompile(`^[0-9]{5,6}$`)
	alphaSenderRe = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
	letterRe      = regexp.MustCompile(`[A-Za-z]`)
	alnumRe       = regexp.MustCompile(`^[A-Za-z0-9]+$`)
)

// Validate reports every problem of the configuration at once. Secrets are
// never part of the message.
func (c TwilioConfig) Validate() error {
	var errs []error
	switch {
	case c.AccountSID == "":
		errs = append(errs, errors.New("account sid is required"))
	case !strings.HasPrefix(c.AccountSID, "AC") || !alnumRe.MatchString(c.AccountSID):
		errs = append(errs, errors.New(`account sid must start with "AC" and be letters and digits`))
	}
	switch {
	case c.AuthToken == "":
		errs = append(errs, errors.New("auth token is required"))
	case !alnumRe.MatchString(c.AuthToken):
		errs = append(errs, errors.New("auth token must be letters and digits"))
	}
	switch {
	case c.From == "" && c.MessagingServiceSID == "":
		errs = append(errs, errors.New("a sender is required: from number or messaging service sid"))
	case c.From != "" && c.MessagingServiceSID != "":
		errs = append(errs, errors.New("set either the from number or the messaging service sid, not both"))
	case c.From != "" && !validSender(c.From):
		errs = append(errs, errors.New("from must be an E.164 number (+15551234567), a short code or an alphanumeric sender id of up to 11 characters"))
	case c.MessagingServiceSID != "" && (!strings.HasPrefix(c.MessagingServiceSID, "MG") || !alnumRe.MatchString(c.MessagingServiceSID)):
		errs = append(errs, errors.New(`messaging service sid must start with "MG" and be letters and digits`))
	}
	if c.APIBaseURL != "" {
		if _, err := parseBaseURL(c.APIBaseURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.StatusCallback != "" {
		if u, err := url.Parse(c.StatusCallback); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("status callback must be an absolute http(s) URL"))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("twilio config: %w", errors.Join(errs...))
	}
	return nil
}

func validSender(from string) bool {
	return e164Re.MatchString(from) || shortCodeRe.MatchString(from) ||
		(alphaSenderRe.MatchString(from) && letterRe.MatchString(from))
}

func parseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New(`api base url must be an absolute http(s) URL such as "http://127.0.0.1:12345"`)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Twilio sends through Twilio's Messages REST API with twilio-go. It is
// safe for concurrent use.
type Twilio struct {
	cfg       TwilioConfig
	base      *url.URL          // nil: Twilio's own hosts
	transport http.RoundTripper // shared connection pool
}

// NewTwilio validates cfg and returns a sender.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Twilio{cfg: cfg, transport: http.DefaultTransport.(*http.Transport).Clone()}
	if cfg.APIBaseURL != "" {
		t.base, _ = parseBaseURL(cfg.APIBaseURL) // validated above
	}
	return t, nil
}

// Send sends body to the E.164 number to and returns Twilio's message sid.
// A recipient who opted out (Twilio error 21610) gives an error wrapping
// dialogue.ErrOptedOut; other Twilio errors are *APIError. Errors never
// contain the number or the body.
func (t *Twilio) Send(ctx context.Context, to, body string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("twilio send: %w", err)
	}
	params := &api.CreateMessageParams{}
	params.SetTo(to)
	params.SetBody(body)
	if t.cfg.From != "" {
		params.SetFrom(t.cfg.From)
	} else {
		params.SetMessagingServiceSid(t.cfg.MessagingServiceSID)
	}
	if t.cfg.StatusCallback != "" {
		params.SetStatusCallback(t.cfg.StatusCallback)
	}

	msg, err := t.client(ctx).Api.CreateMessage(params)
	if err != nil {
		return "", translate(ctx, err)
	}
	if msg == nil || msg.Sid == nil || *msg.Sid == "" {
		return "", errors.New("twilio send: answer without a message sid")
	}
	return *msg.Sid, nil
}

// client returns a twilio-go REST client whose requests carry ctx and go to
// the configured base URL. twilio-go builds its requests with
// context.Background() and a fixed https://api.twilio.com base, and offers
// no hook for either; its documented extension point is the *http.Client
// of client.Client, so a RoundTripper there attaches ctx and rewrites the
// host. A client is a handful of small structs, so one per send keeps
// concurrent sends apart.
func (t *Twilio) client(ctx context.Context) *twilio.RestClient {
	httpClient := &http.Client{
		Transport: &rewriter{ctx: ctx, base: t.base, next: t.transport},
		Timeout:   requestTimeout,
		// twilio-go's default: never follow redirects.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c := &client.Client{Credentials: client.NewCredentials(t.cfg.AccountSID, t.cfg.AuthToken), HTTPClient: httpClient}
	c.SetAccountSid(t.cfg.AccountSID)
	return twilio.NewRestClientWithParams(twilio.ClientParams{Client: c})
}

// rewriter gives each request the send's context and, when base is set,
// sends requests meant for Twilio's hosts (api.twilio.com, or an edge such
// as api.dublin.ie1.twilio.com) to base instead.
type rewriter struct {
	ctx  context.Context
	base *url.URL
	next http.RoundTripper
}

func (r *rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	out := req.Clone(r.ctx)
	if r.base != nil && (out.URL.Host == "twilio.com" || strings.HasSuffix(out.URL.Hostname(), ".twilio.com")) {
		out.URL.Scheme = r.base.Scheme
		out.URL.Host = r.base.Host
		out.URL.Path = r.base.Path + out.URL.Path
		if out.URL.RawPath != "" {
			out.URL.RawPath = r.base.EscapedPath() + out.URL.RawPath
		}
		out.Host = ""
	}
	return r.next.RoundTrip(out)
}

// APIError is an error answer of Twilio's REST API. It keeps Twilio's
// status and code but not its message, which can quote the phone number.
type APIError struct {
	Status int // HTTP status
	Code   int // Twilio error code, https://www.twilio.com/docs/errors/<code>
}

func (e *APIError) Error() string {
	return fmt.Sprintf("twilio error %d (http %d)", e.Code, e.Status)
}

// Temporary reports whether sending again later may succeed: Twilio's
// throttling (429) and server errors.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// translate maps a twilio-go error to ours: 21610 to dialogue.ErrOptedOut,
// other REST errors to *APIError, transport errors wrapped as they are
// (they name Twilio's URL, never the number or the body).
func translate(ctx context.Context, err error) error {
	var rest *client.TwilioRestError
	if errors.As(err, &rest) {
		if rest.Code == codeUnsubscribed {
			return fmt.Errorf("twilio send: %w (twilio error %d)", dialogue.ErrOptedOut, rest.Code)
		}
		return fmt.Errorf("twilio send: %w", &APIError{Status: rest.Status, Code: rest.Code})
	}
	var v1 *client.RestErrorV1
	if errors.As(err, &v1) {
		return fmt.Errorf("twilio send: %w", &APIError{Status: v1.HttpStatusCode, Code: v1.Code})
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		return fmt.Errorf("twilio send: %w", ctxErr)
	}
	return fmt.Errorf("twilio send: %w", err)
}
