package main

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigDefaults(t *testing.T) {
	c, err := parseConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.RedisURL != "" || c.SMSProvider != "console" || !c.DemoData || c.PublicBaseURL != "http://localhost:8080" {
		t.Errorf("defaults = %+v", c)
	}
	if !c.AdminAPIKeyGenerated || len(c.AdminAPIKey) < 32 || !c.TwilioTokenGenerated {
		t.Errorf("secrets not generated: key %d chars", len(c.AdminAPIKey))
	}
	if c.IntentThreshold != 0.6 {
		t.Errorf("IntentThreshold = %v, want 0.6", c.IntentThreshold)
	}
	if c.OfferExpiry != 30*time.Minute || c.WaitlistBatch != 3 || len(c.Caps) != 0 || c.KeywordReplies != "service" {
		t.Errorf("scheduling defaults = expiry %v batch %d caps %v", c.OfferExpiry, c.WaitlistBatch, c.Caps)
	}
}

func TestConfigRejectsBadValues(t *testing.T) {
	cases := map[string]map[string]string{
		"port":            {"PORT": "http"},
		"redis url":       {"REDIS_URL": "localhost:6379"},
		"provider":        {"SMS_PROVIDER": "pigeon"},
		"twilio sender":   {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x"},
		"both senders":    {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "TWILIO_FROM_NUMBER": "+15550001111", "TWILIO_MESSAGING_SERVICE_SID": "MG1"},
		"carrier console": {"KEYWORD_REPLIES": "carrier"},
		"zone":            {"CLINIC_TIMEZONE": "Mars/Olympus"},
		"caps":            {"FREQUENCY_CAPS": "1/day"},
		"offer expiry":    {"OFFER_EXPIRY": "5s"},
		"llm model":       {"LLM_BASE_URL": "http://127.0.0.1:1/v1"},
		"batch":           {"WAITLIST_BATCH": "0"},
		"threshold zero":  {"INTENT_THRESHOLD": "0"},
		"threshold > 1":   {"INTENT_THRESHOLD": "1.5"},
		"threshold text":  {"INTENT_THRESHOLD": "high"},
		"threshold NaN":   {"INTENT_THRESHOLD": "NaN"},
	}
	for name, m := range cases {
		if _, err := parseConfig(env(m)); err == nil {
			t.Errorf("%s: parseConfig(%v) = nil error", name, m)
		}
	}
}

func TestConfigCapsAndMasking(t *testing.T) {
	c, err := parseConfig(env(map[string]string{"FREQUENCY_CAPS": "1/24h, 3/168h", "ADMIN_API_KEY": "super-secret-admin-key",
		"TWILIO_ACCOUNT_SID": "AC0123456789", "TWILIO_AUTH_TOKEN": "tok-0123456789abcdef", "TWILIO_FROM_NUMBER": "+15550001111",
		"REDIS_URL": "redis://user:hunter2@redis.internal:6379/0"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Caps) != 2 || c.Caps[0].Max != 1 || c.Caps[1].Per != 168*time.Hour {
		t.Errorf("caps = %+v", c.Caps)
	}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("cfg", "config", c)
	for _, secret := range []string{"super-secret-admin-key", "tok-0123456789abcdef", "hunter2"} {
		if strings.Contains(b.String(), secret) {
			t.Errorf("logged config shows secret %q: %s", secret, b.String())
		}
	}
}
