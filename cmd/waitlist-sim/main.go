// Command waitlist-sim measures the smart waitlist: waiting patients, clinic
// cancellations arriving at random over two weeks, and simulated patients
// who answer offers (or don't) after a while. It runs the real dialogue
// engine over the real store (on an embedded Redis, or REDIS_URL) with a
// simulated clock, and reports the fill rate, the time to fill a freed slot
// and the offers sent per filled slot.
package main

import (
	"container/heap"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/internal/store"
	"clinicsms/locales"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "waitlist-sim:", err)
		os.Exit(1)
	}
}

// params of one simulation.
type params struct {
	waiting, cancellations, providers, batch int
	yes, no                                  float64
	meanReply, expiry, sweep                 time.Duration
	seed                                     uint64
}

// Result is what a simulation measured.
type Result struct {
	Freed, Filled, FromCancellations, Cascaded int
	// FilledCancellations counts filled slots that a clinic cancellation freed.
	FilledCancellations int
	Offers              int
	FillTimes           []time.Duration
}

func (r Result) fillRate() float64 { return ratio(r.Filled, r.Freed) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (r Result) percentile(p float64) time.Duration {
	if len(r.FillTimes) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), r.FillTimes...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[int(p*float64(len(s)-1))]
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("waitlist-sim", flag.ContinueOnError)
	var p params
	fs.IntVar(&p.waiting, "waiting", 1000, "patients on the waitlist")
	fs.IntVar(&p.cancellations, "cancellations", 200, "clinic cancellations over the two weeks")
	fs.IntVar(&p.providers, "providers", 5, "providers (a slot only fits patients of its provider)")
	fs.IntVar(&p.batch, "batch", 3, "offers per batch")
	fs.Float64Var(&p.yes, "yes", 0.35, "chance an offered patient answers YES")
	fs.Float64Var(&p.no, "no", 0.15, "chance an offered patient answers NO (the rest stay silent)")
	fs.DurationVar(&p.meanReply, "reply", 20*time.Minute, "mean time before a patient answers")
	fs.DurationVar(&p.expiry, "expiry", 30*time.Minute, "offer expiry")
	fs.DurationVar(&p.sweep, "sweep", time.Minute, "how often expired offers move on")
	fs.Uint64Var(&p.seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	res, err := simulate(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "waitlist: %d patients, %d providers; %d clinic cancellations over 14 days; batch %d, expiry %v\n",
		p.waiting, p.providers, p.cancellations, p.batch, p.expiry)
	fmt.Fprintf(out, "patients answer YES %.0f%%, NO %.0f%%, silent %.0f%%, after %v on average\n", p.yes*100, p.no*100, (1-p.yes-p.no)*100, p.meanReply)
	fmt.Fprintf(out, "freed slots:        %d (%d cancellations, %d cascaded from claims)\n", res.Freed, res.FromCancellations, res.Cascaded)
	fmt.Fprintf(out, "filled:             %d (fill rate %.1f%%; of the cancelled slots %d, %.1f%%)\n", res.Filled, 100*res.fillRate(),
		res.FilledCancellations, 100*ratio(res.FilledCancellations, res.FromCancellations))
	fmt.Fprintf(out, "time to fill:       median %v, p90 %v\n", res.percentile(0.5).Round(time.Second), res.percentile(0.9).Round(time.Second))
	fmt.Fprintf(out, "offers sent:        %d (%.2f per filled slot)\n", res.Offers, ratio(res.Offers, res.Filled))
	return nil
}

// event is one thing that happens at a simulated time.
type event struct {
	at   time.Time
	kind string // "cancel", "reply", "sweep"
	id   string // appointment to cancel, or phone replying
	body string
}

type queue []event

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q queue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)        { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

// tracker wraps the store to see slots freed, offers made and claims won.
type tracker struct {
	*store.Store
	now      func() time.Time
	freedAt  map[string]time.Time
	byCancel map[string]bool
	res      *Result
	onOffer  func(apptIDs []string)
	claiming bool
}

func (t *tracker) Cancel(ctx context.Context, id string) (dialogue.Appointment, dialogue.Slot, error) {
	a, s, err := t.Store.Cancel(ctx, id)
	if err == nil {
		t.freedAt[s.ID] = t.now()
		t.byCancel[s.ID] = true
		t.res.Freed++
		t.res.FromCancellations++
	}
	return a, s, err
}

func (t *tracker) Move(ctx context.Context, apptID, slotID, newID string) (dialogue.Appointment, dialogue.Slot, error) {
	a, s, err := t.Store.Move(ctx, apptID, slotID, newID)
	if err == nil {
		if at, ok := t.freedAt[slotID]; ok {
			t.res.Filled++
			if t.byCancel[slotID] {
				t.res.FilledCancellations++
			}
			t.res.FillTimes = append(t.res.FillTimes, t.now().Sub(at))
		}
		t.freedAt[s.ID] = t.now()
		t.res.Freed++
		t.res.Cascaded++
	}
	return a, s, err
}

func (t *tracker) RecordOffers(ctx context.Context, slotID string, ids []string, expires time.Time) error {
	t.res.Offers += len(ids)
	t.onOffer(ids)
	return t.Store.RecordOffers(ctx, slotID, ids, expires)
}

// yesNoReader reads the simulated patients' two answers.
type yesNoReader struct{}

func (yesNoReader) Read(text, known string) intents.Reading {
	if strings.EqualFold(text, "YES") {
		return intents.Reading{Lang: "en", Intent: intents.Confirm, Confidence: 1, Sure: true, Source: "code"}
	}
	return intents.Reading{Lang: "en", Intent: intents.Other, Confidence: 0.9, Sure: true, Source: "model"}
}

type nullSender struct{ n int }

func (s *nullSender) Send(context.Context, string, string) (string, error) {
	s.n++
	return fmt.Sprintf("SMsim%d", s.n), nil
}

func simulate(ctx context.Context, p params) (Result, error) {
	rnd := rand.New(rand.NewPCG(p.seed, p.seed^0x9e3779b97f4a7c15))
	var rdb *redis.Client
	prefix := fmt.Sprintf("wlsim-%d", time.Now().UnixNano())
	if u := os.Getenv("REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			return Result{}, err
		}
		rdb = redis.NewClient(opt)
		defer func() {
			iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				rdb.Del(ctx, iter.Val())
			}
		}()
	} else {
		mr := miniredis.NewMiniRedis()
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return Result{}, err
		}
		defer mr.Close()
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr()})
	}
	defer rdb.Close()
	texts, err := locales.New()
	if err != nil {
		return Result{}, err
	}
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	now := start
	clock := func() time.Time { return now }
	var res Result
	tr := &tracker{Store: store.New(rdb, prefix), now: clock, freedAt: map[string]time.Time{}, byCancel: map[string]bool{}, res: &res}
	ids := 0
	eng := dialogue.NewEngine(tr, tr, &nullSender{}, yesNoReader{}, texts, dialogue.Config{
		Clinic: dialogue.Clinic{Name: "Sim Clinic", Zone: time.UTC}, WaitlistBatch: p.batch, OfferExpiry: p.expiry,
		Now: clock, NewID: func() string { ids++; return fmt.Sprintf("sim-new-%d", ids) },
	}, nil)

	phoneOf := map[string]string{} // appointment -> phone
	provider := func(i int) string { return fmt.Sprintf("Dr. %c", 'A'+i%p.providers) }
	mk := func(kind string, i int, start time.Time, prov string) (string, error) {
		pid := fmt.Sprintf("%s-p%d", kind, i)
		phone := fmt.Sprintf("+1555%d%06d", map[string]int{"w": 2, "c": 3}[kind], i)
		if err := tr.PutPatient(ctx, dialogue.Patient{ID: pid, Phone: phone, Name: "Sim Patient", Language: "en"}); err != nil {
			return "", err
		}
		aid := fmt.Sprintf("%s-a%d", kind, i)
		phoneOf[aid] = phone
		return aid, tr.PutAppointment(ctx, dialogue.Appointment{ID: aid, PatientID: pid, Provider: prov, Location: "main", Type: "checkup",
			Start: start, DurationMinutes: 30, Status: dialogue.Booked})
	}
	slotTime := func(minDay, maxDay int) time.Time {
		d := minDay + rnd.IntN(maxDay-minDay)
		return start.Truncate(24*time.Hour).AddDate(0, 0, d).Add(time.Duration(8*60+30*rnd.IntN(18)) * time.Minute)
	}
	for i := 0; i < p.waiting; i++ {
		aid, err := mk("w", i, slotTime(15, 60), provider(i))
		if err != nil {
			return res, err
		}
		if err := tr.JoinWaitlist(ctx, aid, start.Add(-time.Duration(p.waiting-i)*time.Minute)); err != nil {
			return res, err
		}
	}
	q := &queue{}
	for i := 0; i < p.cancellations; i++ {
		st := slotTime(2, 15)
		aid, err := mk("c", i, st, provider(rnd.IntN(p.providers)))
		if err != nil {
			return res, err
		}
		at := start.Add(time.Duration(rnd.Int64N(int64(st.Sub(start) - 24*time.Hour))))
		heap.Push(q, event{at: at, kind: "cancel", id: aid})
	}
	tr.onOffer = func(apptIDs []string) {
		for _, a := range apptIDs {
			r := rnd.Float64()
			if r >= p.yes+p.no {
				continue // silent
			}
			body := "YES"
			if r >= p.yes {
				body = "NO"
			}
			delay := time.Duration(rnd.ExpFloat64() * float64(p.meanReply))
			heap.Push(q, event{at: now.Add(delay), kind: "reply", id: phoneOf[a], body: body})
		}
	}
	// moved appointments get new ids: follow them to their phones
	end := start.AddDate(0, 0, 15)
	for t := start; t.Before(end); t = t.Add(p.sweep) {
		heap.Push(q, event{at: t, kind: "sweep"})
	}
	sid := 0
	for q.Len() > 0 {
		e := heap.Pop(q).(event)
		now = e.at
		switch e.kind {
		case "cancel":
			if _, err := eng.CancelByClinic(ctx, e.id); err != nil {
				return res, fmt.Errorf("cancel %s: %w", e.id, err)
			}
		case "reply":
			sid++
			if _, err := eng.Receive(ctx, dialogue.Inbound{SID: fmt.Sprintf("SMr%d", sid), From: e.id, Body: e.body, At: now}); err != nil {
				return res, fmt.Errorf("reply: %w", err)
			}
		case "sweep":
			if _, err := eng.SweepOffers(ctx); err != nil {
				return res, err
			}
		}
	}
	return res, nil
}
