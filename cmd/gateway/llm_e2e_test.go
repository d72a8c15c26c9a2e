package main

import (
	"strings"
	"testing"

	"clinicsms/internal/llmfake"
	"clinicsms/internal/twiliofake"
)

// TestLLMFallbackEndToEnd: with LLM_BASE_URL set, a text the local model is
// unsure of is read by the OpenAI-compatible server, with the patient's
// PHI redacted before it leaves; sure readings and keywords never reach it.
func TestLLMFallbackEndToEnd(t *testing.T) {
	llm := llmfake.New(t, "llm-test-key")
	llm.Answer(func(string) string { return `{"intent":"waitlist","confidence":0.92,"lang":"en"}` })
	tw := twiliofake.New(e2eSID, e2eToken)
	defer tw.Close()
	g := startGateway(t, gatewayEnv(tw, map[string]string{
		"LLM_BASE_URL": llm.BaseURL(), "LLM_API_KEY": "llm-test-key", "LLM_MODEL": "test-model",
		// Vague texts must stay unsure however the corpus grows: the model
		// has to be 97% sure to act without the LLM here.
		"INTENT_THRESHOLD": "0.97",
	}))
	g.twilio = tw
	_, aid, phone := g.seedPatient("gloria", "en", 1, 20)
	// The patient's name is "gloria Tester"; the text also carries a
	// birth date, an email and a phone number.
	llm.ForbidPHI("gloria", phone[2:], "1985", "gloria.t@example.com")
	g.text(phone, "C")
	if llm.Calls() != 0 {
		t.Errorf("a reply code reached the LLM (%d calls)", llm.Calls())
	}
	// Vague texts, each carrying the patient's name (and one an email);
	// the local model is unsure of at least
	// one of them (which one depends on the trained model), and that one
	// goes to the LLM.
	vague := []string{
		"well maybe, idk, depends. gloria",
		"so about the thing, this is gloria",
		"gloria here, what about the other one",
		"depends on my sister tbh, gloria.t@example.com",
		"hmm idk about the thing, whatever works - gloria",
	}
	sent := 0
	for _, text := range vague {
		g.text(phone, text)
		sent++
		if llm.Calls() > 0 {
			break
		}
	}
	if llm.Calls() != 1 {
		t.Fatalf("%d vague texts: %d LLM calls, want 1; thread %+v", sent, llm.Calls(), g.conv(phone).Messages)
	}
	c := g.conv(phone)
	in := c.Messages[len(c.Messages)-2]
	if in.Intent != "waitlist" || c.lastOut().Key != "waitlist.joined" {
		t.Errorf("reading %s, reply %s; want the LLM's waitlist and waitlist.joined", in.Intent, c.lastOut().Key)
	}
	req := llm.Requests()[0]
	for _, ph := range []string{"[NAME]"} {
		if !strings.Contains(req, ph) {
			t.Errorf("LLM request lacks placeholder %s: %s", ph, req)
		}
	}
	var wl struct {
		Waitlist []struct {
			AppointmentID string `json:"appointment_id"`
		} `json:"waitlist"`
	}
	g.mustAPI("GET", "/v1/waitlist", nil, &wl)
	if len(wl.Waitlist) != 1 || wl.Waitlist[0].AppointmentID != aid {
		t.Errorf("waitlist = %+v, want %s", wl.Waitlist, aid)
	}
	// The LLM failing keeps the local reading: the service still answers.
	llm.FailWith(503)
	g.text(phone, "hmm idk about the thing, whatever works")
	if c := g.conv(phone); c.lastOut().Key == "" {
		t.Errorf("no reply while the LLM is down")
	}
}
