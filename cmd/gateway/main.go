// Command gateway runs the clinic SMS service: Twilio webhooks, the JSON API
// and the conversation engine, over Redis (or an embedded in-process server
// when REDIS_URL is unset).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/intents"
	"clinicsms/internal/broadcast"
	"clinicsms/internal/demo"
	"clinicsms/internal/gateway"
	"clinicsms/internal/inbox"
	"clinicsms/internal/reminders"
	"clinicsms/internal/sms"
	"clinicsms/internal/store"
	"clinicsms/locales"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		if err := command(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "gateway:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(ctx, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// run wires the service from the environment and serves until ctx ends.
// stdout gets the console SMS "phone" and start-up instructions; stderr the logs.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, err := parseConfig(getenv)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	log.Info("starting", "config", cfg)

	rdb, closeRedis, err := openRedis(cfg, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	st := store.New(rdb, cfg.RedisKeyPrefix)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = st.Ping(pingCtx)
	cancel()
	if err != nil {
		return fmt.Errorf("redis unreachable: %w", err)
	}

	texts, err := locales.New()
	if err != nil {
		return fmt.Errorf("locales: %w", err)
	}
	// Training the classifier at start makes garbage several times the live
	// heap; a soft memory limit (unless GOMEMLIMIT is set) keeps the peak
	// resident size near what is kept, at the cost of more GC while training.
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(300 << 20)
	}
	t0 := time.Now()
	reader, err := intents.Default(cfg.LangLowAcc)
	if err != nil {
		return fmt.Errorf("intents: %w", err)
	}
	reader = reader.WithThreshold(cfg.IntentThreshold)
	// Training and model loading leave garbage several times the live heap;
	// hand it back to the OS so resident memory reflects what is kept.
	debug.FreeOSMemory()
	log.Info("language model and intent classifier ready", "ms", time.Since(t0).Milliseconds())

	var sender dialogue.Sender
	switch cfg.SMSProvider {
	case "twilio":
		sender, err = sms.NewTwilio(sms.TwilioConfig{
			AccountSID: cfg.TwilioAccountSID, AuthToken: cfg.TwilioAuthToken,
			From: cfg.TwilioFrom, MessagingServiceSID: cfg.TwilioMessagingSID,
			APIBaseURL: cfg.TwilioAPIBaseURL, StatusCallback: cfg.PublicBaseURL + "/v1/twilio/status",
		})
		if err != nil {
			return fmt.Errorf("twilio: %w", err)
		}
	default:
		sender = sms.NewConsole(stdout)
	}

	// The staff inbox keeps its records next to the store's and hears every
	// conversation change through the engine's observer.
	inboxStore := inbox.NewStore(rdb, cfg.RedisKeyPrefix)
	if err := ensureAdmin(ctx, inboxStore, cfg, log); err != nil {
		return err
	}

	// The LLM fallback re-reads what the local model is unsure of.
	var fallback dialogue.Fallback
	if cfg.LLMBaseURL != "" {
		llm, err := intents.NewLLM(intents.LLMConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel})
		if err != nil {
			return fmt.Errorf("llm fallback: %w", err)
		}
		fallback = llm
		log.Info("llm fallback on", "model", cfg.LLMModel)
	}

	clinic := dialogue.Clinic{Name: cfg.ClinicName, Phone: cfg.ClinicPhone, Zone: cfg.ClinicZone, Zones: cfg.LocationZones}
	engine := dialogue.NewEngine(st, st, sender, reader, texts, dialogue.Config{
		Clinic:                 clinic,
		WaitlistBatch:          cfg.WaitlistBatch,
		OfferExpiry:            cfg.OfferExpiry,
		Caps:                   cfg.Caps,
		CarrierAnswersKeywords: cfg.KeywordReplies == "carrier",
		Observer:               inbox.NewPublisher(inboxStore, log),
		Fallback:               fallback,
	}, log)

	// Reminders go out from every replica; claims in Redis send each once.
	sched := reminders.New(st, engine, reminders.Config{
		LeadTimes: cfg.ReminderLeadTimes, QuietStart: cfg.QuietStart, QuietEnd: cfg.QuietEnd,
		Zone: clinic.ZoneOf, Tick: cfg.ReminderTick, Lease: cfg.ReminderLease,
	}, log.With("component", "reminders"))
	// Scheduled reminders and broadcasts are automated: they count against
	// the frequency caps (a reminder a person triggers through the API does not).
	schedCtx, schedStop := context.WithCancel(dialogue.Automated(ctx))
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); sched.Run(schedCtx) }()
	// Stop it before Redis closes; a reminder in flight finishes first.
	defer func() {
		schedStop()
		select {
		case <-schedDone:
		case <-time.After(15 * time.Second):
			log.Warn("reminder scheduler still sending at shutdown")
		}
	}()

	if cfg.DemoData {
		if err := demo.Seed(ctx, st, time.Now(), cfg.ClinicZone); err != nil {
			return fmt.Errorf("seed demo clinic: %w", err)
		}
	}

	// Broadcasts go out from every replica, sharing one rate per sender.
	bcSender := "console"
	if cfg.SMSProvider == "twilio" {
		bcSender = cfg.TwilioFrom + cfg.TwilioMessagingSID // exactly one is set
	}
	bcWorker := broadcast.NewWorker(st, st, engine, texts, broadcast.Config{Rate: cfg.BroadcastRate, Sender: bcSender, Clinic: clinic}, log)
	bcCtx, bcStop := context.WithCancel(ctx)
	bcDone := make(chan struct{})
	go func() {
		defer close(bcDone)
		if err := bcWorker.Run(dialogue.Automated(bcCtx)); err != nil {
			log.Error("broadcast worker", "err", err)
		}
	}()
	// Stop it before Redis closes; texts in flight finish (bounded by its Drain).
	defer func() { bcStop(); <-bcDone }()

	// Expired waitlist offers move on to the next batch, from every replica
	// (each expired slot is handled by exactly one of them).
	sweepCtx, sweepStop := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() {
		defer close(sweepDone)
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-sweepCtx.Done():
				return
			case <-tick.C:
				if _, err := engine.SweepOffers(sweepCtx); err != nil && sweepCtx.Err() == nil {
					log.Warn("sweep waitlist offers", "err", err)
				}
			}
		}
	}()
	defer func() { sweepStop(); <-sweepDone }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := gateway.New(gateway.Config{PublicBaseURL: cfg.PublicBaseURL, TwilioAuthToken: cfg.TwilioAuthToken, AdminAPIKey: cfg.AdminAPIKey}, st, engine, log, reg)

	inboxCfg := inbox.Config{SecureCookies: strings.HasPrefix(cfg.PublicBaseURL, "https://")}
	if cfg.LLMBaseURL != "" {
		inboxCfg.Translator = inbox.NewLLMTranslator(cfg.LLMBaseURL, cfg.LLMAPIKey, cfg.LLMModel)
	}
	staff, err := inbox.New(inboxCfg, inboxStore, st, engine, log.With("component", "inbox"))
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}

	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{Handler: staff.Wrap(srv.Handler()), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second}
	hs.RegisterOnShutdown(staff.CloseStreams)
	printWelcome(stdout, cfg, ln.Addr().(*net.TCPAddr).Port)
	log.Info("listening", "addr", ln.Addr().String())

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openRedis connects to REDIS_URL, or starts the embedded server.
func openRedis(cfg config, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if cfg.RedisURL != "" {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		rdb := redis.NewClient(opt)
		return rdb, func() { _ = rdb.Close() }, nil
	}
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("start embedded redis: %w", err)
	}
	log.Warn("REDIS_URL is unset: using an EMBEDDED IN-PROCESS Redis-compatible server; all data is lost when the process stops. Set REDIS_URL for anything real.", "addr", mr.Addr())
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	return rdb, func() { _ = rdb.Close(); mr.Close() }, nil
}

func printWelcome(w io.Writer, cfg config, port int) {
	base := fmt.Sprintf("http://localhost:%d", port)
	fmt.Fprintf(w, "\n=== %s SMS service on %s ===\n", cfg.ClinicName, base)
	if cfg.RedisURL == "" {
		fmt.Fprintln(w, "Store: EMBEDDED in-process Redis (data is lost on exit; set REDIS_URL for a real one).")
	}
	fmt.Fprintf(w, "SMS provider: %s\n", cfg.SMSProvider)
	if cfg.AdminAPIKeyGenerated {
		fmt.Fprintf(w, "ADMIN_API_KEY (generated for this run): %s\n", cfg.AdminAPIKey)
	}
	if cfg.TwilioTokenGenerated {
		fmt.Fprintf(w, "Twilio auth token for signing local webhook requests (generated): %s\n", cfg.TwilioAuthToken)
	}
	fmt.Fprintf(w, "Staff inbox: %s/inbox (add a user: go run ./cmd/gateway user add --email you@clinic.example --role admin)\n", base)
	if cfg.DemoData {
		fmt.Fprintln(w, "Demo clinic loaded: patients demo-maria (es) and demo-john (en), appointments demo-appt-1 and demo-appt-2, open slots.")
		fmt.Fprintf(w, "Send a reminder:   curl -X POST -H 'Authorization: Bearer %s' %s/v1/appointments/demo-appt-1/reminders\n", cfg.AdminAPIKey, base)
		fmt.Fprintf(w, "Read the thread:   curl -H 'Authorization: Bearer %s' %s/v1/conversations/%%2B15550100001\n", cfg.AdminAPIKey, base)
		fmt.Fprintln(w, "Play the patient in a terminal: go run ./cmd/chat")
	}
	fmt.Fprintln(w)
}
