// Command loadgen drives a running gateway the way Twilio would: it creates
// patients and appointments through the JSON API, then posts signed inbound
// texts (taken from a corpus folder) from many phones at once, and reports
// webhook latency percentiles, throughput and, given -pid, the gateway's
// resident memory before and after.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"clinicsms/corpus"
	"clinicsms/internal/twiliofake"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type options struct {
	base, publicURL, token, key, corpusDir string
	patients, messages, concurrency, pid   int
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.base, "url", "http://127.0.0.1:8080", "gateway base URL")
	fs.StringVar(&o.publicURL, "public", "", "PUBLIC_BASE_URL the gateway signs against (default: -url)")
	fs.StringVar(&o.token, "token", os.Getenv("TWILIO_AUTH_TOKEN"), "Twilio auth token the gateway checks")
	fs.StringVar(&o.key, "key", os.Getenv("ADMIN_API_KEY"), "ADMIN_API_KEY of the gateway")
	fs.StringVar(&o.corpusDir, "corpus", "corpus/dev", "folder of .jsonl texts to send")
	fs.IntVar(&o.patients, "patients", 500, "patients (phones) to create")
	fs.IntVar(&o.messages, "n", 5000, "inbound texts to send")
	fs.IntVar(&o.concurrency, "c", 16, "concurrent senders")
	fs.IntVar(&o.pid, "pid", 0, "gateway process id, to report its resident memory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.publicURL == "" {
		o.publicURL = o.base
	}
	if o.token == "" || o.key == "" {
		return fmt.Errorf("-token and -key (or TWILIO_AUTH_TOKEN and ADMIN_API_KEY) are required")
	}
	ex, err := corpus.Load(o.corpusDir)
	if err != nil {
		return err
	}
	run := fmt.Sprintf("%06d", rand.IntN(1_000_000))
	phones := make([]string, o.patients)
	fmt.Fprintf(out, "creating %d patients ...\n", o.patients)
	for i := range phones {
		phones[i] = fmt.Sprintf("+1666%s%04d", run[:3], i%10000) // 666: fiction, never a real subscriber
		pid := fmt.Sprintf("lg-%s-%d", run, i)
		lang := ex[i%len(ex)].Lang
		if err := put(ctx, o, "/v1/patients/"+pid, map[string]any{"phone": phones[i], "name": "Load Test", "language": lang}); err != nil {
			return err
		}
		start := time.Now().Add(time.Duration(48+i%200) * time.Hour).UTC().Truncate(time.Minute)
		if err := put(ctx, o, "/v1/appointments/lg-"+run+"-"+fmt.Sprint(i), map[string]any{"patient_id": pid, "provider": "Dr. Load",
			"location": "main", "type": "checkup", "start": start.Format(time.RFC3339), "duration_minutes": 15}); err != nil {
			return err
		}
	}
	rssBefore := rss(o.pid)
	lat := make([]time.Duration, o.messages)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < o.concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= o.messages {
					return
				}
				e := ex[i%len(ex)]
				form := url.Values{"MessageSid": {fmt.Sprintf("SMlg%s%08d", run, i)}, "From": {phones[i%len(phones)]}, "To": {"+15550009999"}, "Body": {e.Text}}
				req, err := twiliofake.SignedRequest(ctx, o.token, o.publicURL+"/v1/twilio/sms", form)
				if err != nil {
					failed.Add(1)
					continue
				}
				req.URL, _ = url.Parse(o.base + "/v1/twilio/sms")
				s := time.Now()
				resp, err := http.DefaultClient.Do(req)
				lat[i] = time.Since(s)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Fprintf(out, "sent %d texts from %d phones with %d senders in %v: %.0f texts/s, %d failed\n",
		o.messages, o.patients, o.concurrency, elapsed.Round(time.Millisecond), float64(o.messages)/elapsed.Seconds(), failed.Load())
	fmt.Fprintf(out, "webhook latency p50 %v  p90 %v  p99 %v  max %v\n", pct(0.5), pct(0.9), pct(0.99), lat[len(lat)-1])
	if o.pid > 0 {
		fmt.Fprintf(out, "gateway resident memory: %s before, %s after (peak %s)\n", rssBefore, rss(o.pid), hwm(o.pid))
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d texts failed", failed.Load())
	}
	return nil
}

func put(ctx context.Context, o options, path string, body any) error {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "PUT", o.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+o.key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("PUT %s: %d %s", path, resp.StatusCode, msg)
	}
	return nil
}

func procField(pid int, field string) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field+":") {
			return strings.TrimSpace(strings.TrimPrefix(l, field+":"))
		}
	}
	return "?"
}

func rss(pid int) string { return procField(pid, "VmRSS") }
func hwm(pid int) string { return procField(pid, "VmHWM") }
