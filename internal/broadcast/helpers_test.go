package broadcast_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/internal/broadcast"
	"clinicsms/internal/store"
)

// newStore returns a store on REDIS_URL (CI) or on a miniredis started for
// the test, under a random prefix whose keys are deleted at the end.
func newStore(tb testing.TB) *store.Store {
	tb.Helper()
	var rdb *redis.Client
	if url := os.Getenv("REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("redis.ParseURL(REDIS_URL): %v", err)
		}
		opt.PoolSize = 100
		rdb = redis.NewClient(opt)
	} else {
		mr := miniredis.RunT(tb)
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 100})
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "tb-" + hex.EncodeToString(b)
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				rdb.Del(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	})
	return store.New(rdb, prefix)
}

// base is a fixed day well in the future.
var base = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// seed creates a patient and one appointment starting hours after base.
func seed(tb testing.TB, st *store.Store, pid, phone, lang, aid string, hours int, mod func(*dialogue.Appointment)) {
	tb.Helper()
	ctx := context.Background()
	if err := st.PutPatient(ctx, dialogue.Patient{ID: pid, Phone: phone, Name: "Pat " + pid, Language: lang}); err != nil {
		tb.Fatalf("PutPatient(%s): %v", pid, err)
	}
	a := dialogue.Appointment{ID: aid, PatientID: pid, Provider: "dr-lee", Location: "main", Type: "checkup",
		Start: base.Add(time.Duration(hours) * time.Hour), DurationMinutes: 30}
	if mod != nil {
		mod(&a)
	}
	if err := st.PutAppointment(ctx, a); err != nil {
		tb.Fatalf("PutAppointment(%s): %v", aid, err)
	}
}

// seedN creates n patients p0..p(n-1), each with a phone of its own and an
// appointment on base's day, half in Spanish.
func seedN(tb testing.TB, st *store.Store, n int) {
	tb.Helper()
	for i := range n {
		lang := "en"
		if i%2 == 1 {
			lang = "es"
		}
		seed(tb, st, fmt.Sprintf("p%d", i), phoneOf(i), lang, fmt.Sprintf("a%d", i), i%8, nil)
	}
}

func phoneOf(i int) string { return fmt.Sprintf("+1555%07d", i) }

// dayFilter selects base's day.
var dayFilter = broadcast.Filter{From: base.Add(-time.Hour), To: base.Add(23 * time.Hour)}

// text is one text the fake announcer sent.
type text struct {
	PatientID, Key, Lang, Body string
	At                         time.Time
}

// announcer is an in-memory dialogue.Engine.Announce: it knows each
// patient's language, refuses opted-out patients and fails on request.
type announcer struct {
	mu       sync.Mutex
	langs    map[string]string
	optedOut map[string]bool
	failing  map[string]bool
	sent     []text
	// after, when set, is called (outside the lock) after each send with
	// the number sent so far.
	after func(n int)
}

func newAnnouncer() *announcer {
	return &announcer{langs: map[string]string{}, optedOut: map[string]bool{}, failing: map[string]bool{}}
}

func (a *announcer) Announce(ctx context.Context, patientID, key string, render func(lang string) string) (dialogue.Sent, error) {
	a.mu.Lock()
	if a.optedOut[patientID] {
		a.mu.Unlock()
		return dialogue.Sent{}, dialogue.ErrOptedOut
	}
	lang := a.langs[patientID]
	if lang == "" {
		lang = "en"
	}
	body := render(lang)
	if a.failing[patientID] {
		a.mu.Unlock()
		return dialogue.Sent{Key: key, Lang: lang, Body: body}, fmt.Errorf("%w: twilio error 20500 (http 500)", dialogue.ErrSendFailed)
	}
	a.sent = append(a.sent, text{PatientID: patientID, Key: key, Lang: lang, Body: body, At: time.Now()})
	n := len(a.sent)
	after := a.after
	a.mu.Unlock()
	if after != nil {
		after(n)
	}
	return dialogue.Sent{Key: key, Lang: lang, Body: body}, nil
}

func (a *announcer) texts() []text {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]text(nil), a.sent...)
}

// perPatient counts texts by patient.
func (a *announcer) perPatient() map[string]int {
	out := map[string]int{}
	for _, t := range a.texts() {
		out[t.PatientID]++
	}
	return out
}
