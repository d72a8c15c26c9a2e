package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"clinicsms/dialogue"
)

// Config tunes a Worker. Zero values take defaults.
type Config struct {
	// Rate is messages a second per sender, shared by every replica.
	// Default 1 (Twilio's long-code default).
	Rate float64
	// Sender names the token bucket: the number or messaging service the
	// texts go out from. Default "default".
	Sender string
	// Concurrency is how many texts one worker has in flight at once.
	// Default: enough to hold Rate with sends taking half a second, 1 to 32.
	Concurrency int
	// Poll is how often an idle worker looks for new broadcasts. Default 1s.
	Poll time.Duration
	// Lease is how long a claim may stay unsettled before another worker
	// presumes its process dead and settles it. Default 5 minutes.
	Lease time.Duration
	// Drain bounds how long texts already claimed may take to finish once
	// Run's context ends. Default 10s.
	Drain time.Duration
	// Clinic fills Clinic and ClinicPhone in message keys and gives the
	// time zone of appointment times.
	Clinic dialogue.Clinic
	// Now is injectable for tests.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Rate <= 0 {
		c.Rate = 1
	}
	if c.Sender == "" {
		c.Sender = "default"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = min(32, max(1, int(math.Ceil(c.Rate/2))))
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 5 * time.Minute
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Worker sends queued broadcasts. Run one in every replica: they share the
// work and the rate through the store.
type Worker struct {
	store    Store
	throttle Throttle
	send     Announcer
	texts    dialogue.Texts
	cfg      Config
	log      *slog.Logger
}

// NewWorker returns a worker. texts renders message keys (locales.Catalog);
// it may be nil when only templates are broadcast.
func NewWorker(st Store, th Throttle, send Announcer, texts dialogue.Texts, cfg Config, log *slog.Logger) *Worker {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Worker{store: st, throttle: th, send: send, texts: texts, cfg: cfg.withDefaults(), log: log}
}

// Run sends broadcasts until ctx ends, then lets texts already claimed
// finish (within Config.Drain) and returns nil.
func (w *Worker) Run(ctx context.Context) error {
	if w.send == nil || w.store == nil || w.throttle == nil {
		return ErrNoSender
	}
	for {
		worked, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.Warn("broadcast worker", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if worked {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.cfg.Poll):
		}
	}
}

// RunOnce works through every active broadcast once: it settles expired
// claims and sends until no recipient is left to claim. It reports whether
// it did anything.
func (w *Worker) RunOnce(ctx context.Context) (bool, error) {
	ids, err := w.store.ActiveBroadcasts(ctx)
	if err != nil {
		return false, fmt.Errorf("active broadcasts: %w", err)
	}
	worked := false
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		n, err := w.work(ctx, id)
		if err != nil {
			w.log.Warn("broadcast", "id", id, "err", err)
		}
		worked = worked || n > 0
	}
	return worked, nil
}

// work sends one broadcast until nothing is left to claim and returns how
// many recipients this worker settled.
func (w *Worker) work(ctx context.Context, id string) (int, error) {
	b, p, err := w.store.Broadcast(ctx, id)
	if errors.Is(err, dialogue.ErrNotFound) {
		// listed but never stored (its creator failed half way): drop it
		return 0, w.store.RetireBroadcast(ctx, id)
	}
	if err != nil {
		return 0, err
	}
	n, err := w.settleExpired(ctx, b)
	if err != nil {
		return n, err
	}
	if p.Claimed < p.Total {
		var (
			mu    sync.Mutex
			sent  int
			first error
			wg    sync.WaitGroup
		)
		for range w.cfg.Concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, err := w.sendLoop(ctx, b)
				mu.Lock()
				defer mu.Unlock()
				sent += k
				if first == nil {
					first = err
				}
			}()
		}
		wg.Wait()
		n += sent
		if first != nil {
			return n, first
		}
	}
	_, p, err = w.store.Broadcast(ctx, id)
	if err != nil {
		return n, err
	}
	if p.Status() == Done {
		if err := w.store.RetireBroadcast(ctx, id); err != nil {
			return n, err
		}
		w.log.Info("broadcast done", "id", id, "total", p.Total, "sent", p.Sent, "failed", p.Failed, "skipped", p.Skipped)
	}
	return n, nil
}

// sendLoop claims and sends recipients one by one until none is left or
// ctx ends.
func (w *Worker) sendLoop(ctx context.Context, b Broadcast) (int, error) {
	n := 0
	for ctx.Err() == nil {
		c, ok, err := w.store.ClaimRecipient(ctx, b.ID, w.cfg.Now().Add(w.cfg.Lease))
		if err != nil {
			return n, fmt.Errorf("claim recipient: %w", err)
		}
		if !ok {
			return n, nil
		}
		// From here the claim is finished even when ctx ends: a text
		// handed to the provider must be counted, and one not yet sent is
		// given back.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Drain)
		err = w.deliver(ctx, dctx, b, c)
		cancel()
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// deliver waits for a send token, sends one claimed recipient's text and
// settles the claim. ctx is the worker's (ending means stop); dctx bounds
// the work on a claim already taken.
func (w *Worker) deliver(ctx, dctx context.Context, b Broadcast, c Claim) error {
	if err := w.wait(ctx, dctx); err != nil {
		// not sent: let the next worker (or the next run) take it
		if ctx.Err() == nil && dctx.Err() == nil {
			w.log.Warn("broadcast throttle", "id", b.ID, "err", err)
		}
		if rerr := w.store.ReleaseRecipient(dctx, b.ID, c.Index); rerr != nil {
			return fmt.Errorf("release recipient: %w", rerr)
		}
		return nil
	}
	_, err := w.send.Announce(dctx, c.Recipient.PatientID, b.threadKey(), func(lang string) string {
		return w.render(b, c.Recipient, lang)
	})
	o := Sent
	switch {
	case errors.Is(err, dialogue.ErrOptedOut):
		o = Skipped
	case errors.Is(err, dialogue.ErrNotFound):
		o = Failed // the patient was deleted since
	case err != nil:
		o = Failed
		w.log.Warn("broadcast send failed", "id", b.ID, "index", c.Index, "err", err)
	}
	if _, _, err := w.store.SettleRecipient(dctx, b.ID, c.Index, o, w.cfg.Now()); err != nil {
		return fmt.Errorf("settle recipient: %w", err)
	}
	return nil
}

// wait reserves a send slot in the shared bucket and sleeps until it. It
// gives up when ctx ends (the worker is stopping: the claim is released
// unsent and the slot goes unused) or dctx does.
func (w *Worker) wait(ctx, dctx context.Context) error {
	d, err := w.throttle.ReserveSend(dctx, "broadcast:"+w.cfg.Sender, w.interval())
	if err != nil {
		return fmt.Errorf("reserve send: %w", err)
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-dctx.Done():
		return dctx.Err()
	case <-t.C:
		return nil
	}
}

// jitterMargin widens the spacing of sends a little, so that the jitter
// between a reserved slot and the request reaching the provider never
// brings two sends closer than 1/Rate there (at 1 a second, Twilio's
// queue holds no slack at all).
const jitterMargin = 1.02

// interval is the spacing of send slots.
func (w *Worker) interval() time.Duration {
	return time.Duration(jitterMargin * float64(time.Second) / w.cfg.Rate)
}

// render is the broadcast's text in lang for one recipient: the template
// of lang, else the fallback one; or the message key rendered in lang.
func (w *Worker) render(b Broadcast, r Recipient, lang string) string {
	if b.Message.Key == "" {
		if t, ok := b.Message.Templates[lang]; ok {
			return t
		}
		return b.Message.Templates[FallbackLang]
	}
	if w.texts == nil {
		return b.Message.Key
	}
	zone := w.cfg.Clinic.ZoneOf(r.Location)
	return w.texts.Text(lang, b.Message.Key, map[string]any{
		"Clinic": w.cfg.Clinic.Name, "ClinicPhone": w.cfg.Clinic.Phone, "Name": r.Name,
		"Provider": r.Provider, "Type": r.Type, "When": w.texts.When(lang, r.Start.In(zone)),
	})
}

// settleExpired settles the claims of workers that died mid-send: sent
// when the conversation shows the broadcast's text, failed otherwise.
// Never resent: the provider may have taken the text just before the
// crash.
func (w *Worker) settleExpired(ctx context.Context, b Broadcast) (int, error) {
	n := 0
	for {
		cs, err := w.store.ExpiredClaims(ctx, b.ID, w.cfg.Now(), 100)
		if err != nil || len(cs) == 0 {
			return n, err
		}
		for _, c := range cs {
			o, err := w.outcomeOnThread(ctx, b, c.Recipient.Phone)
			if err != nil {
				return n, err
			}
			counted, _, err := w.store.SettleRecipient(ctx, b.ID, c.Index, o, w.cfg.Now())
			if err != nil {
				return n, fmt.Errorf("settle expired claim: %w", err)
			}
			if counted {
				n++
				w.log.Warn("broadcast claim expired; settled without resending", "id", b.ID, "index", c.Index, "outcome", string(o))
			}
		}
	}
}

// outcomeOnThread reads what the thread says about the broadcast's text to
// phone.
func (w *Worker) outcomeOnThread(ctx context.Context, b Broadcast, phone string) (Outcome, error) {
	msgs, err := w.store.Messages(ctx, phone)
	if err != nil {
		return "", fmt.Errorf("read thread: %w", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Direction != dialogue.Out || m.Key != b.threadKey() {
			continue
		}
		switch m.Status {
		case "failed":
			return Failed, nil
		case "undelivered_opted_out":
			return Skipped, nil
		}
		return Sent, nil
	}
	return Failed, nil
}
