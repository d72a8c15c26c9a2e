package dialogue_test

// Transcript tests: one scenario a file in testdata/*.txt, replayed through
// the real engine over the real store (Redis of REDIS_URL, or miniredis),
// the real locale catalog and the trained classifier (with the cheap script
// detector instead of lingua, which costs 0.5 GB a process).
//
// Lines:
//   # comment
//   now 2026-12-01T09:00:00Z            engine clock (default as shown)
//   patient <id> <lang|-> <phone>       a patient (- = no known language)
//   appointment <id> <patient> +<days>d <HH:MM> [provider]
//   slot <id> +<days>d <HH:MM> [provider]
//   as <phone>                          whose phone the next lines use
//   reminder <appt>                     the clinic sends the reminder
//   clinic-cancel <appt>                the clinic cancels
//   > text                              the patient texts
//   >{intent conf} text                 ... with the reading pinned (engine branches)
//   < key [lang]                        the next text the clinic sent this phone
//   < -                                 nothing more was sent to this phone
//   = status <appt> <status>            an appointment's status
//   = moved <appt> <slot>               appt was rescheduled into the slot's time
//   = state <state>                     this phone's conversation state
//   = opted_out <bool> / = escalated <bool>
//   = waitlisted <appt>                 appt is on the waitlist
//   = slot-open <id> <bool>             whether a slot is open
//   = task <appt>                       a staff task is open on appt
//   = lang <code>                       the conversation's language
//   carrier answers keywords            Twilio answers English STOP/START/HELP itself
//   caps <max>/<duration> ...           frequency caps on automated texts
//   auto-reminder <appt> [capped]       a scheduled (automated) reminder
//   advance <duration>                  move the engine clock on
//   sweep                               expired waitlist offers move to the next batch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/internal/store"
	"clinicsms/locales"
)

var (
	readerOnce sync.Once
	reader     *intents.Reader
	readerErr  error
)

func testReader(t *testing.T) *intents.Reader {
	t.Helper()
	readerOnce.Do(func() { reader, readerErr = intents.ScriptReader() })
	if readerErr != nil {
		t.Fatal(readerErr)
	}
	return reader
}

// testStore returns a store on REDIS_URL (or miniredis) under a fresh prefix.
func testStore(t *testing.T) *store.Store {
	t.Helper()
	var rdb *redis.Client
	if u := os.Getenv("REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		rdb = redis.NewClient(opt)
	} else {
		mr := miniredis.RunT(t)
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	}
	prefix := fmt.Sprintf("dlg-%d", time.Now().UnixNano())
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		rdb.Close()
	})
	return store.New(rdb, prefix)
}

// pinned lets a transcript fix the reading of one message.
type pinned struct {
	inner dialogue.Reader
	next  *intents.Reading
}

func (p *pinned) Read(text, known string) intents.Reading {
	if p.next != nil {
		r := *p.next
		p.next = nil
		if r.Lang == "" {
			r.Lang = known
		}
		return r
	}
	return p.inner.Read(text, known)
}

// countingSender records how many texts went to each phone.
type countingSender struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingSender) Send(_ context.Context, to, _ string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[to]++
	return fmt.Sprintf("SMtest%d", c.n[to]), nil
}

func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	texts, err := locales.New()
	if err != nil {
		t.Fatal(err)
	}
	r := testReader(t)
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			replay(t, f, r, texts)
		})
	}
}

func replay(t *testing.T, path string, r dialogue.Reader, texts dialogue.Texts) {
	ctx := context.Background()
	st := testStore(t)
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	zone, _ := time.LoadLocation("America/New_York")
	pin := &pinned{inner: r}
	sender := &countingSender{n: map[string]int{}}
	ids := 0
	carrier := false
	var caps []dialogue.Cap
	eng := func() *dialogue.Engine {
		return dialogue.NewEngine(st, st, sender, pin, texts, dialogue.Config{
			Clinic:                 dialogue.Clinic{Name: "Sunrise Clinic", Phone: "+1 555 0100", Zone: zone},
			Now:                    func() time.Time { return now },
			NewID:                  func() string { ids++; return fmt.Sprintf("new-%d", ids) },
			CarrierAnswersKeywords: carrier,
			Caps:                   caps,
		}, nil)
	}
	e := eng()
	seen := map[string]int{} // outbound messages consumed per phone
	phone := ""
	sid := 0

	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	line := 0
	fail := func(format string, a ...any) {
		t.Helper()
		t.Fatalf("%s:%d: %s", filepath.Base(path), line, fmt.Sprintf(format, a...))
	}
	at := func(days, hhmm string) time.Time {
		d, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(days, "+"), "d"))
		if err != nil {
			fail("bad day offset %q", days)
		}
		hm, err := time.Parse("15:04", hhmm)
		if err != nil {
			fail("bad time %q", hhmm)
		}
		l := now.In(zone).AddDate(0, 0, d)
		return time.Date(l.Year(), l.Month(), l.Day(), hm.Hour(), hm.Minute(), 0, 0, zone).UTC()
	}
	outbound := func(p string) []dialogue.Message {
		ms, err := st.Messages(ctx, p)
		if err != nil {
			fail("messages: %v", err)
		}
		var out []dialogue.Message
		for _, m := range ms {
			if m.Direction == dialogue.Out {
				out = append(out, m)
			}
		}
		return out
	}
	expectDrained := func() {
		t.Helper()
		if phone == "" {
			return
		}
		if out := outbound(phone); len(out) > seen[phone] {
			fail("unexpected text to %s: %s [%s]", phone, out[seen[phone]].Key, out[seen[phone]].Lang)
		}
	}
	for sc.Scan() {
		line++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Fields(l)
		switch {
		case f[0] == "now":
			tm, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				fail("now: %v", err)
			}
			now = tm
		case f[0] == "patient":
			lang := f[2]
			if lang == "-" {
				lang = ""
			}
			if err := st.PutPatient(ctx, dialogue.Patient{ID: f[1], Phone: f[3], Name: f[1] + " Test", Language: lang}); err != nil {
				fail("put patient: %v", err)
			}
			phone = f[3]
		case f[0] == "appointment":
			prov := "Dr. Patel"
			if len(f) > 5 {
				prov = strings.Join(f[5:], " ")
			}
			a := dialogue.Appointment{ID: f[1], PatientID: f[2], Provider: prov, Location: "main", Type: "checkup", Start: at(f[3], f[4]), DurationMinutes: 30, Status: dialogue.Booked}
			if err := st.PutAppointment(ctx, a); err != nil {
				fail("put appointment: %v", err)
			}
		case f[0] == "slot":
			prov := "Dr. Patel"
			if len(f) > 4 {
				prov = strings.Join(f[4:], " ")
			}
			if err := st.PutSlot(ctx, dialogue.Slot{ID: f[1], Provider: prov, Location: "main", Type: "checkup", Start: at(f[2], f[3]), DurationMinutes: 30}); err != nil {
				fail("put slot: %v", err)
			}
		case f[0] == "as":
			expectDrained()
			phone = f[1]
		case f[0] == "reminder":
			if _, err := e.SendReminder(ctx, f[1]); err != nil {
				fail("reminder: %v", err)
			}
		case f[0] == "clinic-cancel":
			if _, err := e.CancelByClinic(ctx, f[1]); err != nil {
				fail("clinic cancel: %v", err)
			}
		case strings.HasPrefix(l, ">"):
			expectDrained()
			body := strings.TrimSpace(l[1:])
			if strings.HasPrefix(body, "{") {
				end := strings.Index(body, "}")
				pf := strings.Fields(body[1:end])
				conf, _ := strconv.ParseFloat(pf[1], 64)
				pin.next = &intents.Reading{Intent: intents.Label(pf[0]), Confidence: conf, Sure: conf >= 0.6, Source: "pinned"}
				body = strings.TrimSpace(body[end+1:])
			}
			sid++
			if _, err := e.Receive(ctx, dialogue.Inbound{SID: fmt.Sprintf("SMt%d", sid), From: phone, Body: body, At: now}); err != nil {
				fail("receive %q: %v", body, err)
			}
		case strings.HasPrefix(l, "<"):
			want := strings.Fields(strings.TrimSpace(l[1:]))
			out := outbound(phone)
			if want[0] == "-" {
				if len(out) > seen[phone] {
					fail("want no more texts to %s, got %s [%s]", phone, out[seen[phone]].Key, out[seen[phone]].Lang)
				}
				continue
			}
			if len(out) <= seen[phone] {
				fail("want text %s to %s, none sent", want[0], phone)
			}
			m := out[seen[phone]]
			seen[phone]++
			if m.Key != want[0] {
				fail("text to %s = %s [%s] %q, want %s", phone, m.Key, m.Lang, m.Body, want[0])
			}
			if len(want) > 1 && "["+m.Lang+"]" != want[1] {
				fail("text %s to %s in [%s], want %s", m.Key, phone, m.Lang, want[1])
			}
			if strings.Contains(m.Body, "{{") || strings.Contains(m.Body, "<no value>") || m.Body == m.Key {
				fail("text %s rendered badly: %q", m.Key, m.Body)
			}
		case f[0] == "=":
			check(t, ctx, st, phone, f[1:], fail)
		case l == "carrier answers keywords":
			carrier = true
			e = eng()
		case f[0] == "caps":
			for _, c := range f[1:] {
				mx, per, _ := strings.Cut(c, "/")
				n, _ := strconv.Atoi(mx)
				d, err := time.ParseDuration(per)
				if err != nil || n < 1 {
					fail("caps: bad %q", c)
				}
				caps = append(caps, dialogue.Cap{Max: n, Per: d})
			}
			e = eng()
		case f[0] == "auto-reminder":
			_, err := e.SendReminder(dialogue.Automated(ctx), f[1])
			switch want := strings.Join(f[2:], " "); {
			case want == "capped" && !errors.Is(err, dialogue.ErrFrequencyCapped):
				fail("auto-reminder %s: err %v, want the frequency cap", f[1], err)
			case want == "" && err != nil:
				fail("auto-reminder %s: %v", f[1], err)
			}
		case f[0] == "advance":
			d, err := time.ParseDuration(f[1])
			if err != nil {
				fail("advance: %v", err)
			}
			now = now.Add(d)
		case f[0] == "sweep":
			if _, err := e.SweepOffers(ctx); err != nil {
				fail("sweep: %v", err)
			}
		case f[0] == "restart":
			e = eng() // a new engine over the same store: nothing lives in memory
		default:
			fail("unknown line %q", l)
		}
	}
	expectDrained()
}

func check(t *testing.T, ctx context.Context, st *store.Store, phone string, f []string, fail func(string, ...any)) {
	t.Helper()
	conv, err := st.Conversation(ctx, phone)
	if err != nil {
		fail("conversation: %v", err)
	}
	switch f[0] {
	case "status":
		a, err := st.Appointment(ctx, f[1])
		if err != nil {
			fail("appointment %s: %v", f[1], err)
		}
		if string(a.Status) != f[2] {
			fail("%s status = %s, want %s", f[1], a.Status, f[2])
		}
	case "moved":
		a, err := st.Appointment(ctx, f[1])
		if err != nil {
			fail("appointment %s: %v", f[1], err)
		}
		if a.Status != dialogue.Rescheduled || a.RescheduledTo == "" {
			fail("%s = %s (to %q), want rescheduled", f[1], a.Status, a.RescheduledTo)
		}
		n, err := st.Appointment(ctx, a.RescheduledTo)
		if err != nil {
			fail("successor %s: %v", a.RescheduledTo, err)
		}
		if _, err := st.Slot(ctx, f[2]); err == nil {
			fail("slot %s still open after booking", f[2])
		}
		if !n.Active() || n.PatientID != a.PatientID || n.RescheduledFrom != a.ID {
			fail("successor %+v does not continue %s", n, a.ID)
		}
	case "state":
		if string(conv.State) != f[1] {
			fail("state = %s, want %s", conv.State, f[1])
		}
	case "opted_out":
		if strconv.FormatBool(conv.OptedOut) != f[1] {
			fail("opted_out = %v, want %s", conv.OptedOut, f[1])
		}
	case "escalated":
		if strconv.FormatBool(conv.Escalated) != f[1] {
			fail("escalated = %v, want %s", conv.Escalated, f[1])
		}
	case "lang":
		if conv.Language != f[1] {
			fail("conversation language = %q, want %s", conv.Language, f[1])
		}
	case "waitlisted":
		wl, err := st.Waitlist(ctx)
		if err != nil {
			fail("waitlist: %v", err)
		}
		for _, w := range wl {
			if w.AppointmentID == f[1] {
				return
			}
		}
		fail("%s not on the waitlist", f[1])
	case "slot-open":
		_, err := st.Slot(ctx, f[1])
		if open := err == nil; strconv.FormatBool(open) != f[2] {
			fail("slot %s open = %v, want %s", f[1], open, f[2])
		}
	case "task":
		ts, err := st.Tasks(ctx)
		if err != nil {
			fail("tasks: %v", err)
		}
		for _, tk := range ts {
			if tk.AppointmentID == f[1] {
				return
			}
		}
		fail("no staff task on %s", f[1])
	default:
		fail("unknown check %q", f[0])
	}
}
