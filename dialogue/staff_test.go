package dialogue_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/locales"
)

type recordingObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *recordingObserver) ConversationChanged(_ context.Context, phone, kind string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, phone+" "+kind)
}

func TestStaffReplyEscalateResolveAndObserver(t *testing.T) {
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	st := testStore(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	const phone = "+15550009001"
	if err := st.PutPatient(ctx, dialogue.Patient{ID: "p", Phone: phone, Name: "Ivan Test", Language: "ru"}); err != nil {
		t.Fatal(err)
	}
	obs := &recordingObserver{}
	sender := &countingSender{n: map[string]int{}}
	eng := dialogue.NewEngine(st, st, sender, stubReader{Lang: "ru", Intent: intents.Question, Confidence: 0.9, Sure: true, Source: "model"}, texts,
		dialogue.Config{Clinic: dialogue.Clinic{Name: "C", Zone: time.UTC}, Now: func() time.Time { return now }, Observer: obs}, nil)
	if err := eng.Escalate(ctx, phone, "patient_asked"); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.StaffReply(ctx, phone, "ru", "Парковка бесплатная, у входа."); err != nil {
		t.Fatal(err)
	}
	// While escalated, the bot stays quiet.
	if _, err := eng.Receive(ctx, dialogue.Inbound{SID: "SM1", From: phone, Body: "а где вход?", At: now}); err != nil {
		t.Fatal(err)
	}
	ms, _ := st.Messages(ctx, phone)
	if len(ms) != 2 || ms[0].Key != "staff" || ms[0].Direction != dialogue.Out || ms[1].Direction != dialogue.In {
		t.Fatalf("thread = %+v, want the staff reply then the inbound, no bot text", ms)
	}
	if err := eng.Resolve(ctx, phone); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Conversation(ctx, phone)
	if c.Escalated || c.State != dialogue.Idle {
		t.Errorf("after Resolve: escalated=%v state=%s", c.Escalated, c.State)
	}
	obs.mu.Lock()
	got := len(obs.events)
	obs.mu.Unlock()
	if got < 4 { // escalate, staff message, inbound, resolve
		t.Errorf("observer heard %d changes, want at least 4: %v", got, obs.events)
	}
	// Opted out: staff replies are refused too.
	c.OptedOut = true
	if err := st.SaveConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.StaffReply(ctx, phone, "ru", "test"); !errors.Is(err, dialogue.ErrOptedOut) {
		t.Errorf("StaffReply to an opted-out number: %v, want ErrOptedOut", err)
	}
}
