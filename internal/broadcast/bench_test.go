package broadcast_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"clinicsms/dialogue"
	"clinicsms/internal/broadcast"
	"clinicsms/internal/sms"
	"clinicsms/internal/twiliofake"
	"clinicsms/locales"
)

// BenchmarkQueue10k measures POST /v1/broadcasts' work for 10,000
// recipients: read the appointments of the range and their patients, pick
// one recipient per phone, store the list and counts in one MULTI/EXEC.
//
//	REDIS_URL=redis://127.0.0.1:6379 go test ./internal/broadcast -run '^$' -bench Queue10k -benchtime 5x
func BenchmarkQueue10k(b *testing.B) {
	ctx := context.Background()
	st := newStore(b)
	const n = 10000
	seedN(b, st, n)
	svc := broadcast.NewService(st)
	b.ResetTimer()
	for range b.N {
		bc, err := svc.Create(ctx, dayFilter, templates)
		if err != nil {
			b.Fatal(err)
		}
		if bc.Total != n {
			b.Fatalf("queued %d recipients, want %d", bc.Total, n)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "recipients/s")
}

// BenchmarkSendRate sends a broadcast through the real dialogue engine and
// Twilio client to the Twilio stand-in throttled to the same rate
// (SetRate), with two workers (two replicas) sharing the bucket, and
// reports the rate the stand-in saw and how many sends it refused (429).
//
//	REDIS_URL=redis://127.0.0.1:6379 go test ./internal/broadcast -run '^$' -bench SendRate -benchtime 1x
func BenchmarkSendRate(b *testing.B) {
	for _, rate := range []float64{1, 10, 50, 200} {
		b.Run(fmt.Sprintf("rate=%v", rate), func(b *testing.B) {
			n := max(10, int(rate*5)) // about five seconds of sending
			for range b.N {
				sendAtRate(b, rate, n)
			}
		})
	}
}

func sendAtRate(b *testing.B, rate float64, n int) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.StopTimer()
	st := newStore(b)
	seedN(b, st, n)
	tw := twiliofake.New(e2eSID, "0123456789abcdef0123456789abcdef")
	defer tw.Close()
	tw.SetRate(rate)
	sender, err := sms.NewTwilio(sms.TwilioConfig{AccountSID: e2eSID, AuthToken: "0123456789abcdef0123456789abcdef", From: "+15550009999", APIBaseURL: tw.URL()})
	if err != nil {
		b.Fatal(err)
	}
	texts, err := locales.New()
	if err != nil {
		b.Fatal(err)
	}
	clinic := dialogue.Clinic{Name: "Sunrise Clinic", Phone: "+1 555 0100", Zone: time.UTC}
	engine := dialogue.NewEngine(st, st, sender, nil, texts, dialogue.Config{Clinic: clinic}, nil)
	bc, err := broadcast.NewService(st).Create(ctx, dayFilter, templates)
	if err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	var wg sync.WaitGroup
	for range 2 {
		w := broadcast.NewWorker(st, st, engine, texts, broadcast.Config{Rate: rate, Sender: "+15550009999", Poll: 10 * time.Millisecond, Clinic: clinic}, nil)
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	for {
		_, p, err := st.Broadcast(ctx, bc.ID)
		if err != nil {
			b.Fatal(err)
		}
		if p.Status() == broadcast.Done {
			if p.Sent != n {
				b.Errorf("sent %d of %d (failed %d)", p.Sent, n, p.Failed)
			}
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.StopTimer()
	cancel()
	wg.Wait()
	ms := tw.Messages()
	span := ms[len(ms)-1].At.Sub(ms[0].At).Seconds()
	b.ReportMetric(float64(len(ms)-1)/span, "sent/s")
	b.ReportMetric(float64(tw.Throttled()), "429s")
	b.ReportMetric(float64(len(ms)), "texts")
}

const e2eSID = "AC00000000000000000000000000000001"
