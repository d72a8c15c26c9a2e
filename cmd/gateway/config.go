package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"clinicsms/dialogue"
	"clinicsms/internal/reminders"
)

// config is the service's environment, parsed once and validated (SPEC §4).
type config struct {
	Port           int
	RedisURL       string // "" = embedded in-process server
	RedisKeyPrefix string
	PublicBaseURL  string

	SMSProvider          string // twilio | console
	TwilioAccountSID     string
	TwilioAuthToken      string
	TwilioFrom           string
	TwilioMessagingSID   string
	TwilioAPIBaseURL     string
	TwilioTokenGenerated bool
	KeywordReplies       string // service | carrier: who answers STOP/START/HELP

	AdminAPIKey          string
	AdminAPIKeyGenerated bool

	LLMBaseURL, LLMAPIKey, LLMModel string

	// AdminEmail and AdminPassword create the first inbox admin at start
	// when no account with that email exists yet.
	AdminEmail, AdminPassword string

	ClinicName  string
	ClinicPhone string
	ClinicZone  *time.Location
	DemoData    bool // seed the demo clinic (default: only with the embedded store)
	LangLowAcc  bool // lingua low-accuracy mode
	// IntentThreshold is the model confidence from which a reading is acted
	// on; below it the LLM fallback (when set) reads the text, or the
	// patient is asked to say it another way.
	IntentThreshold float64
	// WaitlistBatch is how many waiting patients a freed slot is offered to at once.
	WaitlistBatch int
	// OfferExpiry is how long a batch of waitlist offers stands before the
	// slot goes to the next batch.
	OfferExpiry time.Duration
	// Caps limit automated texts (scheduled reminders, broadcasts) per phone.
	Caps []dialogue.Cap
	// LocationZones overrides ClinicZone per appointment location
	// (LOCATION_TIMEZONES "main=America/Chicago,north=Europe/Berlin").
	LocationZones map[string]*time.Location
	// ReminderLeadTimes are how long before a visit reminders go out,
	// largest first; empty: no automatic reminders.
	ReminderLeadTimes []time.Duration
	// QuietStart and QuietEnd bound the reminders' quiet hours as offsets
	// from local midnight; equal: none.
	QuietStart, QuietEnd time.Duration
	// ReminderTick is how often the reminder scheduler looks for due reminders.
	ReminderTick time.Duration
	// ReminderLease is how long a replica that died mid-send blocks a
	// reminder before another replica sends it.
	ReminderLease time.Duration
	// BroadcastRate is broadcast texts a second per sender, shared by every
	// replica (BROADCAST_RATE; Twilio's long-code default is 1).
	BroadcastRate float64
}

// parseConfig reads the environment through getenv and fills defaults.
func parseConfig(getenv func(string) string) (config, error) {
	c := config{
		RedisURL:           strings.TrimSpace(getenv("REDIS_URL")),
		RedisKeyPrefix:     orDefault(getenv("REDIS_KEY_PREFIX"), "clinicsms"),
		TwilioAccountSID:   getenv("TWILIO_ACCOUNT_SID"),
		TwilioAuthToken:    getenv("TWILIO_AUTH_TOKEN"),
		TwilioFrom:         getenv("TWILIO_FROM_NUMBER"),
		TwilioMessagingSID: getenv("TWILIO_MESSAGING_SERVICE_SID"),
		TwilioAPIBaseURL:   getenv("TWILIO_API_BASE_URL"),
		AdminAPIKey:        getenv("ADMIN_API_KEY"),
		LLMBaseURL:         getenv("LLM_BASE_URL"),
		LLMAPIKey:          getenv("LLM_API_KEY"),
		LLMModel:           getenv("LLM_MODEL"),
		AdminEmail:         strings.TrimSpace(getenv("ADMIN_EMAIL")),
		AdminPassword:      getenv("ADMIN_PASSWORD"),
		ClinicName:         orDefault(getenv("CLINIC_NAME"), "Sunrise Clinic"),
		ClinicPhone:        orDefault(getenv("CLINIC_PHONE"), "+1 555 0100"),
		// Low accuracy by default: on corpus/dev it reads intents exactly as
		// well as high accuracy, languages slightly better (the corpus
		// n-grams do most of the work) with an eighth of the heap
		// (docs/BENCHMARKS.md).
		LangLowAcc: getenv("LANG_DETECTION") != "high",
	}
	var err error
	if c.Port, err = strconv.Atoi(orDefault(getenv("PORT"), "8080")); err != nil || c.Port < 0 || c.Port > 65535 {
		return c, errors.New("PORT must be a number between 0 and 65535")
	}
	c.PublicBaseURL = strings.TrimRight(orDefault(getenv("PUBLIC_BASE_URL"), fmt.Sprintf("http://localhost:%d", c.Port)), "/")
	c.SMSProvider = getenv("SMS_PROVIDER")
	if c.SMSProvider == "" {
		c.SMSProvider = "console"
		if c.TwilioAccountSID != "" {
			c.SMSProvider = "twilio"
		}
	}
	if c.TwilioAuthToken == "" && c.SMSProvider == "console" {
		c.TwilioAuthToken, c.TwilioTokenGenerated = randomHex(16), true
	}
	if c.AdminAPIKey == "" {
		c.AdminAPIKey, c.AdminAPIKeyGenerated = randomHex(24), true
	}
	c.KeywordReplies = getenv("KEYWORD_REPLIES")
	if c.KeywordReplies == "" {
		c.KeywordReplies = "service"
		if c.SMSProvider == "twilio" {
			c.KeywordReplies = "carrier" // Twilio's default Advanced Opt-Out answers them
		}
	}
	if c.WaitlistBatch, err = strconv.Atoi(orDefault(getenv("WAITLIST_BATCH"), "3")); err != nil || c.WaitlistBatch < 1 || c.WaitlistBatch > 50 {
		return c, errors.New("WAITLIST_BATCH must be a number between 1 and 50")
	}
	if c.OfferExpiry, err = time.ParseDuration(orDefault(getenv("OFFER_EXPIRY"), "30m")); err != nil || c.OfferExpiry < time.Minute {
		return c, errors.New("OFFER_EXPIRY must be a duration of at least 1m, like 30m")
	}
	if c.Caps, err = parseCaps(getenv("FREQUENCY_CAPS")); err != nil {
		return c, err
	}
	if c.BroadcastRate, err = strconv.ParseFloat(orDefault(getenv("BROADCAST_RATE"), "1"), 64); err != nil {
		return c, errors.New("BROADCAST_RATE must be a number of messages a second, like 1 or 0.5")
	}
	if c.IntentThreshold, err = strconv.ParseFloat(orDefault(getenv("INTENT_THRESHOLD"), "0.6"), 64); err != nil || !(c.IntentThreshold > 0 && c.IntentThreshold <= 1) {
		return c, errors.New("INTENT_THRESHOLD must be a confidence above 0 and at most 1, like 0.6")
	}
	if v := getenv("LANG_DETECTION"); v != "" && v != "low" && v != "high" {
		return c, errors.New("LANG_DETECTION must be low or high")
	}
	zone := orDefault(getenv("CLINIC_TIMEZONE"), "America/New_York")
	if c.ClinicZone, err = time.LoadLocation(zone); err != nil {
		return c, fmt.Errorf("CLINIC_TIMEZONE: unknown time zone %q", zone)
	}
	if c.LocationZones, err = parseZones(getenv("LOCATION_TIMEZONES")); err != nil {
		return c, fmt.Errorf("LOCATION_TIMEZONES: %w", err)
	}
	if c.ReminderLeadTimes, err = reminders.ParseLeadTimes(orDefault(getenv("REMINDER_LEAD_TIMES"), "72h,24h")); err != nil {
		return c, fmt.Errorf("REMINDER_LEAD_TIMES: %w", err)
	}
	if c.QuietStart, c.QuietEnd, err = reminders.ParseQuietHours(orDefault(getenv("QUIET_HOURS"), "21:00-08:00")); err != nil {
		return c, fmt.Errorf("QUIET_HOURS: %w", err)
	}
	if c.ReminderTick, err = time.ParseDuration(orDefault(getenv("REMINDER_TICK"), "30s")); err != nil {
		return c, errors.New("REMINDER_TICK must be a duration like 30s")
	}
	if c.ReminderLease, err = time.ParseDuration(orDefault(getenv("REMINDER_LEASE"), "2m")); err != nil {
		return c, errors.New("REMINDER_LEASE must be a duration like 2m")
	}
	switch getenv("DEMO_DATA") {
	case "":
		c.DemoData = c.RedisURL == ""
	case "1", "true", "yes":
		c.DemoData = true
	case "0", "false", "no":
	default:
		return c, errors.New("DEMO_DATA must be true or false")
	}
	return c, c.Validate()
}

// Validate reports the first thing wrong with the configuration.
func (c config) Validate() error {
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return errors.New("REDIS_URL must be a redis:// or rediss:// URL")
		}
	}
	if u, err := url.Parse(c.PublicBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("PUBLIC_BASE_URL must be an http(s) URL")
	}
	switch c.SMSProvider {
	case "console":
	case "twilio":
		if c.TwilioAccountSID == "" || c.TwilioAuthToken == "" {
			return errors.New("SMS_PROVIDER=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
		}
		if (c.TwilioFrom == "") == (c.TwilioMessagingSID == "") {
			return errors.New("SMS_PROVIDER=twilio needs exactly one of TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
		}
		if c.TwilioAPIBaseURL != "" {
			if u, err := url.Parse(c.TwilioAPIBaseURL); err != nil || u.Host == "" {
				return errors.New("TWILIO_API_BASE_URL must be an http(s) URL")
			}
		}
	default:
		return errors.New("SMS_PROVIDER must be twilio or console")
	}
	if c.KeywordReplies != "service" && c.KeywordReplies != "carrier" {
		return errors.New("KEYWORD_REPLIES must be service or carrier")
	}
	if c.SMSProvider == "console" && c.KeywordReplies == "carrier" {
		return errors.New("KEYWORD_REPLIES=carrier needs SMS_PROVIDER=twilio: the console provider never answers keywords")
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return errors.New("ADMIN_EMAIL and ADMIN_PASSWORD go together")
	}
	if c.LLMBaseURL != "" && c.LLMModel == "" {
		return errors.New("LLM_BASE_URL needs LLM_MODEL")
	}
	if !(c.BroadcastRate > 0 && c.BroadcastRate <= 1000) {
		return errors.New("BROADCAST_RATE must be more than 0 and at most 1000 messages a second")
	}
	if c.RedisKeyPrefix == "" || strings.ContainsAny(c.RedisKeyPrefix, "{} ") {
		return errors.New("REDIS_KEY_PREFIX must be non-empty without braces or spaces")
	}
	if c.ReminderTick < 100*time.Millisecond || c.ReminderTick > time.Hour {
		return errors.New("REMINDER_TICK must be between 100ms and 1h")
	}
	if c.ReminderLease < time.Second || c.ReminderLease > time.Hour {
		return errors.New("REMINDER_LEASE must be between 1s and 1h")
	}
	return nil
}

// LogValue masks every secret so the config can be logged whole.
func (c config) LogValue() slog.Value {
	redis := "embedded"
	if c.RedisURL != "" {
		redis = maskURL(c.RedisURL)
	}
	return slog.GroupValue(
		slog.Int("port", c.Port),
		slog.String("redis", redis),
		slog.String("public_base_url", c.PublicBaseURL),
		slog.String("sms_provider", c.SMSProvider),
		slog.String("twilio_account_sid", mask(c.TwilioAccountSID)),
		slog.String("twilio_auth_token", mask(c.TwilioAuthToken)),
		slog.String("twilio_api_base_url", c.TwilioAPIBaseURL),
		slog.String("keyword_replies", c.KeywordReplies),
		slog.String("admin_api_key", mask(c.AdminAPIKey)),
		slog.Bool("admin_email_set", c.AdminEmail != ""),
		slog.Bool("llm_fallback", c.LLMBaseURL != ""),
		slog.Float64("intent_threshold", c.IntentThreshold),
		slog.Bool("lang_detection_low", c.LangLowAcc),
		slog.String("clinic_timezone", c.ClinicZone.String()),
		slog.Int("location_timezones", len(c.LocationZones)),
		slog.Any("reminder_lead_times", c.ReminderLeadTimes),
		slog.String("quiet_hours", quietHours(c.QuietStart, c.QuietEnd)),
		slog.Duration("reminder_tick", c.ReminderTick),
		slog.Duration("reminder_lease", c.ReminderLease),
		slog.Bool("demo_data", c.DemoData),
		slog.Float64("broadcast_rate", c.BroadcastRate),
	)
}

// parseZones reads "location=Zone/Name,..." into a map.
func parseZones(s string) (map[string]*time.Location, error) {
	zones := map[string]*time.Location{}
	if strings.TrimSpace(s) == "" {
		return zones, nil
	}
	for _, pair := range strings.Split(s, ",") {
		loc, name, ok := strings.Cut(pair, "=")
		loc, name = strings.TrimSpace(loc), strings.TrimSpace(name)
		if !ok || loc == "" || name == "" {
			return nil, fmt.Errorf("%q: want location=Zone/Name", strings.TrimSpace(pair))
		}
		z, err := time.LoadLocation(name)
		if err != nil {
			return nil, fmt.Errorf("location %q: unknown time zone %q", loc, name)
		}
		zones[loc] = z
	}
	return zones, nil
}

func quietHours(start, end time.Duration) string {
	if start == end {
		return "off"
	}
	clock := func(d time.Duration) string {
		return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return clock(start) + "-" + clock(end)
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	if len(s) <= 8 {
		return "****"
	}
	return s[:4] + "****"
}

func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "****"
	}
	if u.User != nil {
		u.User = url.User("****")
	}
	return u.String()
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// parseCaps reads FREQUENCY_CAPS: comma-separated "max/window" pairs such
// as "1/24h,3/168h" (at most 1 a day and 3 a week). Empty: no caps.
func parseCaps(v string) ([]dialogue.Cap, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var caps []dialogue.Cap
	for _, part := range strings.Split(v, ",") {
		max, per, ok := strings.Cut(strings.TrimSpace(part), "/")
		n, err := strconv.Atoi(max)
		d, derr := time.ParseDuration(per)
		if !ok || err != nil || derr != nil || n < 1 || d < time.Minute {
			return nil, fmt.Errorf("FREQUENCY_CAPS: %q must be max/window like 1/24h", part)
		}
		caps = append(caps, dialogue.Cap{Max: n, Per: d})
	}
	return caps, nil
}
