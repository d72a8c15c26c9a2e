package main

// End-to-end tests of broadcasts against the built binary: on the embedded
// store and on REDIS_URL, and a restart half way through on REDIS_URL.

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"clinicsms/internal/twiliofake"
)

const (
	bcEN = "Sunrise Clinic is closed on Monday for maintenance."
	bcES = "La clínica Sunrise cierra el lunes por mantenimiento."
)

type broadcastProgress struct {
	ID        string    `json:"id"`
	Status    string    `json:"status"`
	Total     int       `json:"total"`
	Queued    int       `json:"queued"`
	Sent      int       `json:"sent"`
	Failed    int       `json:"failed"`
	Skipped   int       `json:"skipped"`
	CreatedAt time.Time `json:"created_at"`
}

// put creates a patient and one appointment at start.
func (g *gw) put(pid, phone, lang, aid, location string, start time.Time) {
	g.t.Helper()
	p := map[string]any{"phone": phone, "name": pid + " Tester"}
	if lang != "" {
		p["language"] = lang
	}
	g.mustAPI("PUT", "/v1/patients/"+pid, p, nil)
	g.mustAPI("PUT", "/v1/appointments/"+aid, map[string]any{"patient_id": pid, "provider": "Dr. Ng", "location": location,
		"type": "checkup", "start": start.Format(time.RFC3339), "duration_minutes": 30}, nil)
}

// waitBroadcast polls GET /v1/broadcasts/{id} until it is done.
func (g *gw) waitBroadcast(id string, within time.Duration) broadcastProgress {
	g.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var p broadcastProgress
		g.mustAPI("GET", "/v1/broadcasts/"+id, nil, &p)
		if p.Status == "done" {
			return p
		}
		if time.Now().After(deadline) {
			g.t.Fatalf("broadcast %s not done after %v: %+v", id, within, p)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestBroadcastEndToEnd(t *testing.T) {
	modes := storeModes(t, "e2e-bc-")
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			tw := twiliofake.New(e2eSID, e2eToken)
			defer tw.Close()
			m.env["BROADCAST_RATE"] = "20"
			g := startGateway(t, gatewayEnv(tw, m.env))
			g.twilio = tw
			t.Run("LocalisedOnePerPhoneOptOutsSkipped", g.broadcastLocalised)
			t.Run("Validation", g.broadcastValidation)
		})
	}
}

func (g *gw) broadcastLocalised(t *testing.T) {
	g.t = t
	loc := g.id("east")
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 3)
	at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
	es, en, shared, stop, ru, other, later, gone := g.phone(201), g.phone(202), g.phone(203), g.phone(204), g.phone(205), g.phone(206), g.phone(207), g.phone(208)
	g.put(g.id("bc-es"), es, "es", g.id("bca-es"), loc, at(14))
	g.put(g.id("bc-en"), en, "en", g.id("bca-en"), loc, at(15))
	g.put(g.id("bc-mom"), shared, "en", g.id("bca-mom"), loc, at(16))
	g.put(g.id("bc-kid"), shared, "es", g.id("bca-kid"), loc, at(13)) // earlier: the shared phone's text is the kid's, in Spanish
	g.put(g.id("bc-stop"), stop, "en", g.id("bca-stop"), loc, at(17))
	g.put(g.id("bc-ru"), ru, "ru", g.id("bca-ru"), loc, at(18)) // no Russian template: English
	g.put(g.id("bc-other"), other, "en", g.id("bca-other"), g.id("west"), at(14))
	g.put(g.id("bc-later"), later, "en", g.id("bca-later"), loc, at(24+14))
	g.put(g.id("bc-gone"), gone, "en", g.id("bca-gone"), loc, at(14))
	g.mustAPI("POST", "/v1/appointments/"+g.id("bca-gone")+"/cancel", nil, nil)
	g.text(stop, "STOP")
	g.waitOut(stop, 1) // the opt-out confirmation

	before := len(tw(g).Messages())
	tw(g).SetRate(20) // Twilio's queue refuses (429) what comes faster than BROADCAST_RATE
	var created struct {
		ID    string `json:"id"`
		Total int    `json:"total"`
	}
	code := g.api("POST", "/v1/broadcasts", map[string]any{
		"filter":    map[string]any{"location": loc, "from": day.Format(time.RFC3339), "to": day.Add(24 * time.Hour).Format(time.RFC3339)},
		"templates": map[string]string{"en": bcEN, "es": bcES},
	}, &created)
	if code != http.StatusAccepted || created.ID == "" || created.Total != 5 {
		t.Fatalf("POST /v1/broadcasts = %d %+v, want 202 with an id and 5 recipients (es, en, shared, opted out, ru)", code, created)
	}
	p := g.waitBroadcast(created.ID, 30*time.Second)
	if p.Total != 5 || p.Sent != 4 || p.Skipped != 1 || p.Failed != 0 || p.Queued != 0 || p.CreatedAt.IsZero() {
		t.Errorf("GET /v1/broadcasts/%s = %+v, want total 5: 4 sent, 1 skipped, 0 failed, 0 queued", created.ID, p)
	}
	if n := tw(g).Throttled(); n != 0 {
		t.Errorf("Twilio stand-in refused %d sends over the rate (20/s), want 0", n)
	}

	want := map[string]string{es: bcES, en: bcEN, shared: bcES, ru: bcEN}
	got := map[string][]string{}
	for _, m := range tw(g).Messages()[before:] {
		got[m.To] = append(got[m.To], m.Body)
	}
	for phone, body := range want {
		if len(got[phone]) != 1 || got[phone][0] != body {
			t.Errorf("texts to %s = %q, want exactly [%q]", phone, got[phone], body)
		}
	}
	for _, phone := range []string{stop, other, later, gone} {
		if len(got[phone]) != 0 {
			t.Errorf("texts to %s = %q, want none (opted out, other location, other day or cancelled)", phone, got[phone])
		}
	}
	if out := g.conv(es).lastOut(); out.Key != "broadcast:"+created.ID || out.Lang != "es" || out.Body != bcES {
		t.Errorf("thread of the Spanish patient ends with %+v, want the broadcast in es", out)
	}
	tw(g).SetRate(0)
}

func tw(g *gw) *twiliofake.Server { return g.twilio }

func (g *gw) broadcastValidation(t *testing.T) {
	g.t = t
	from := time.Now().UTC().Truncate(time.Hour)
	to := from.Add(24 * time.Hour)
	filter := map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339)}
	en := map[string]string{"en": "Hello"}
	tests := []struct {
		name string
		body any
		want string
	}{
		{"no filter", map[string]any{"templates": en}, "filter is required"},
		{"no from", map[string]any{"filter": map[string]any{"to": to.Format(time.RFC3339)}, "templates": en}, "filter.from is required"},
		{"bad to", map[string]any{"filter": map[string]any{"from": from.Format(time.RFC3339), "to": "tomorrow"}, "templates": en}, "filter.to must be an RFC 3339 time"},
		{"reversed", map[string]any{"filter": map[string]any{"from": to.Format(time.RFC3339), "to": from.Format(time.RFC3339)}, "templates": en}, "filter.from must be before filter.to"},
		{"a year", map[string]any{"filter": map[string]any{"from": from.Format(time.RFC3339), "to": from.AddDate(1, 0, 0).Format(time.RFC3339)}, "templates": en}, "at most 90 days"},
		{"control in location", map[string]any{"filter": map[string]any{"from": from.Format(time.RFC3339), "to": to.Format(time.RFC3339), "location": "a\x01"}, "templates": en}, "filter.location must not contain control characters"},
		{"no message", map[string]any{"filter": filter}, "templates"},
		{"no en", map[string]any{"filter": filter, "templates": map[string]string{"es": "Hola"}}, `must include "en"`},
		{"unknown language", map[string]any{"filter": filter, "templates": map[string]string{"en": "Hi", "klingon": "Qapla'"}}, `language "klingon"`},
		{"too long", map[string]any{"filter": filter, "templates": map[string]string{"en": strings.Repeat("x", 1601)}}, "at most 1600 characters"},
		{"unknown key", map[string]any{"filter": filter, "key": "party"}, `key "party" is not a message key`},
		{"both", map[string]any{"filter": filter, "key": "reminder", "templates": en}, "either templates or key"},
		{"unknown field", map[string]any{"filter": filter, "templates": en, "rate": 5}, "unknown field"},
	}
	for _, tc := range tests {
		var out struct {
			Error string `json:"error"`
		}
		code := g.api("POST", "/v1/broadcasts", tc.body, &out)
		if code != http.StatusBadRequest || !strings.Contains(out.Error, tc.want) {
			t.Errorf("%s: POST /v1/broadcasts = %d %q, want 400 containing %q", tc.name, code, out.Error, tc.want)
		}
	}
	var out struct {
		Error string `json:"error"`
	}
	if code := g.api("GET", "/v1/broadcasts/bc-nope", nil, &out); code != http.StatusNotFound {
		t.Errorf("GET unknown broadcast = %d %q, want 404", code, out.Error)
	}
	if code := g.api("GET", "/v1/broadcasts/bad%21id", nil, &out); code != http.StatusBadRequest {
		t.Errorf("GET /v1/broadcasts/bad!id = %d %q, want 400", code, out.Error)
	}
	req, _ := http.NewRequest("POST", g.base+"/v1/broadcasts", strings.NewReader(`{}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST /v1/broadcasts without a token = %d, want 401", resp.StatusCode)
	}
}

// TestBroadcastResumesAfterRestart: a gateway stopped half way through a
// broadcast leaves the rest to the next one on the same Redis, which sends
// it without texting anyone twice.
func TestBroadcastResumesAfterRestart(t *testing.T) {
	u := os.Getenv("REDIS_URL")
	if u == "" {
		t.Fatal("REDIS_URL is unset: a restart needs a store that outlives the process (.ci/run sets it)")
	}
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	env := gatewayEnv(tw, map[string]string{"REDIS_URL": u, "BROADCAST_RATE": "5", "DEMO_DATA": "false",
		"REDIS_KEY_PREFIX": "e2e-bcr-" + hex.EncodeToString([]byte(time.Now().Format("150405.000")))})
	const n = 20
	var (
		id     string
		phones []string
	)
	t.Run("first", func(t *testing.T) {
		g := startGateway(t, env)
		g.twilio = tw
		day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2)
		for i := range n {
			phones = append(phones, g.phone(300+i))
			g.put(fmt.Sprintf("rp%d", i), phones[i], "en", fmt.Sprintf("ra%d", i), "main", day.Add(time.Duration(9*60+i)*time.Minute))
		}
		var created struct {
			ID    string `json:"id"`
			Total int    `json:"total"`
		}
		g.mustAPI("POST", "/v1/broadcasts", map[string]any{
			"filter":    map[string]any{"from": day.Format(time.RFC3339), "to": day.Add(24 * time.Hour).Format(time.RFC3339)},
			"templates": map[string]string{"en": bcEN},
		}, &created)
		if created.Total != n {
			t.Fatalf("broadcast total = %d, want %d", created.Total, n)
		}
		id = created.ID
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := tw.WaitFor(ctx, func(ms []twiliofake.Message) bool { return len(ms) >= 4 }); err != nil {
			t.Fatal(err)
		}
		// the gateway is stopped (SIGINT) when this subtest ends
	})
	if id == "" {
		t.Fatal("first gateway did not queue the broadcast")
	}
	sentBefore := len(tw.Messages())
	if sentBefore >= n {
		t.Fatalf("first gateway sent all %d before stopping; the test needs a slower rate", sentBefore)
	}
	t.Run("second", func(t *testing.T) {
		g := startGateway(t, env)
		g.twilio = tw
		for _, p := range phones {
			g.phones[p] = true
		}
		p := g.waitBroadcast(id, 30*time.Second)
		if p.Sent != n || p.Failed != 0 || p.Skipped != 0 {
			t.Errorf("after restart: %+v, want all %d sent", p, n)
		}
	})
	for _, p := range phones {
		if k := len(tw.MessagesTo(p)); k != 1 {
			t.Errorf("%s got %d texts across the restart, want 1", p, k)
		}
	}
	t.Logf("first gateway sent %d of %d before stopping", sentBefore, n)
}

func TestBroadcastRateConfig(t *testing.T) {
	tests := []struct {
		v       string
		want    float64
		wantErr bool
	}{
		{"", 1, false}, {"0.5", 0.5, false}, {"50", 50, false}, {"1000", 1000, false},
		{"0", 0, true}, {"-1", 0, true}, {"1001", 0, true}, {"fast", 0, true}, {"NaN", 0, true}, {"Inf", 0, true},
	}
	for _, tc := range tests {
		c, err := parseConfig(func(k string) string {
			if k == "BROADCAST_RATE" {
				return tc.v
			}
			return ""
		})
		switch {
		case tc.wantErr && (err == nil || !strings.Contains(err.Error(), "BROADCAST_RATE")):
			t.Errorf("parseConfig(BROADCAST_RATE=%q) err = %v, want a BROADCAST_RATE error", tc.v, err)
		case !tc.wantErr && (err != nil || c.BroadcastRate != tc.want):
			t.Errorf("parseConfig(BROADCAST_RATE=%q) = %v, %v; want %v", tc.v, c.BroadcastRate, err, tc.want)
		}
	}
}
