package dialogue_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/locales"
)

// TestRepliesInEveryLanguage: a patient whose language is known gets every
// text of a short conversation in that language, in all 30 languages.
func TestRepliesInEveryLanguage(t *testing.T) {
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	r := testReader(t)
	st := testStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	sender := &countingSender{n: map[string]int{}}
	eng := dialogue.NewEngine(st, st, sender, r, texts, dialogue.Config{
		Clinic: dialogue.Clinic{Name: "Sunrise Clinic", Phone: "+1 555 0100", Zone: time.UTC},
		Now:    func() time.Time { return now },
	}, nil)
	for i, lang := range locales.Supported {
		phone := fmt.Sprintf("+1555000%04d", 100+i)
		p := dialogue.Patient{ID: "p-" + lang, Phone: phone, Name: "Test Patient", Language: lang}
		a := dialogue.Appointment{ID: "a-" + lang, PatientID: p.ID, Provider: "Dr. Patel", Location: "main", Type: "checkup", Start: now.Add(72 * time.Hour), DurationMinutes: 30}
		if err := st.PutPatient(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.PutAppointment(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.SendReminder(ctx, a.ID); err != nil {
			t.Fatalf("%s: reminder: %v", lang, err)
		}
		for j, body := range []string{"C", "HELP", "STOP"} {
			if _, err := eng.Receive(ctx, dialogue.Inbound{SID: fmt.Sprintf("SM-%s-%d", lang, j), From: phone, Body: body, At: now}); err != nil {
				t.Fatalf("%s: %q: %v", lang, body, err)
			}
		}
		ms, err := st.Messages(ctx, phone)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		english := texts.Text("en", locales.ConfirmDone, map[string]any{"When": "X"})
		for _, m := range ms {
			if m.Direction != dialogue.Out {
				continue
			}
			got = append(got, m.Key+"["+m.Lang+"]")
			if lang != "en" && m.Key == locales.ConfirmDone && strings.HasPrefix(m.Body, english[:10]) {
				t.Errorf("%s: confirm.done is the English text: %q", lang, m.Body)
			}
		}
		want := fmt.Sprintf("reminder[%[1]s] confirm.done[%[1]s] help.info[%[1]s] optout.done[%[1]s]", lang)
		if strings.Join(got, " ") != want {
			t.Errorf("%s: texts %v, want %s", lang, got, want)
		}
	}
}
