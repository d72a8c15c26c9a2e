package dialogue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/locales"
)

// stubReader always returns the same reading.
type stubReader intents.Reading

func (s stubReader) Read(string, string) intents.Reading { return intents.Reading(s) }

// stubFallback answers with a fixed reading or error and records its input.
type stubFallback struct {
	answer intents.Reading
	err    error
	calls  int
	names  []string
}

func (f *stubFallback) Refine(_ context.Context, _ string, _ intents.Reading, names []string) (intents.Reading, error) {
	f.calls++
	f.names = names
	return f.answer, f.err
}

func TestFallbackReadsWhatTheModelIsUnsureOf(t *testing.T) {
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	unsure := stubReader{Lang: "en", Intent: intents.Other, Confidence: 0.3, Source: "model"}
	sure := intents.Reading{Lang: "en", Intent: intents.Waitlist, Confidence: 0.9, Sure: true, Source: "llm"}
	cases := []struct {
		name      string
		reader    stubReader
		fb        *stubFallback
		wantCalls int
		wantKey   string
	}{
		{"unsure model reading goes to the LLM", unsure, &stubFallback{answer: sure}, 1, locales.WaitlistJoined},
		{"LLM down keeps the local reading", unsure, &stubFallback{err: errors.New("breaker open")}, 1, locales.Clarify},
		{"sure model reading never reaches the LLM", stubReader{Lang: "en", Intent: intents.Waitlist, Confidence: 0.95, Sure: true, Source: "model"}, &stubFallback{answer: sure}, 0, locales.WaitlistJoined},
		{"keywords never reach the LLM", stubReader{Lang: "en", Intent: intents.Help, Confidence: 1, Sure: true, Source: "keyword", Keyword: intents.KeywordHelp}, &stubFallback{answer: sure}, 0, locales.HelpInfo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := testStore(t)
			ctx := context.Background()
			now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			if err := st.PutPatient(ctx, dialogue.Patient{ID: "p", Phone: "+15550007777", Name: "Maria Lopez", Language: "en"}); err != nil {
				t.Fatal(err)
			}
			if err := st.PutAppointment(ctx, dialogue.Appointment{ID: "a", PatientID: "p", Provider: "Dr. P", Location: "main", Type: "checkup", Start: now.Add(96 * time.Hour), DurationMinutes: 30}); err != nil {
				t.Fatal(err)
			}
			eng := dialogue.NewEngine(st, st, &countingSender{n: map[string]int{}}, tc.reader, texts, dialogue.Config{
				Clinic: dialogue.Clinic{Name: "C", Zone: time.UTC}, Now: func() time.Time { return now }, Fallback: tc.fb,
			}, nil)
			out, err := eng.Receive(ctx, dialogue.Inbound{SID: "SM1", From: "+15550007777", Body: "put me down for sooner if anything opens", At: now})
			if err != nil {
				t.Fatal(err)
			}
			if tc.fb.calls != tc.wantCalls {
				t.Errorf("fallback calls = %d, want %d", tc.fb.calls, tc.wantCalls)
			}
			if tc.wantCalls > 0 && (len(tc.fb.names) != 1 || tc.fb.names[0] != "Maria Lopez") {
				t.Errorf("fallback got names %v, want the patient's name for redaction", tc.fb.names)
			}
			if len(out.Replies) == 0 || out.Replies[0].Key != tc.wantKey {
				t.Errorf("replies = %+v, want %s", out.Replies, tc.wantKey)
			}
		})
	}
}
