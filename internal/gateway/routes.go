// Package gateway is the HTTP surface of the service: Twilio's webhooks
// (signature-checked) and the clinic's JSON API (bearer token). Handlers
// parse and validate, call the dialogue engine or the store, and render.
package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"clinicsms/dialogue"
	"clinicsms/internal/store"
)

// Store is what the gateway needs of persistence.
type Store interface {
	Patient(ctx context.Context, id string) (dialogue.Patient, error)
	PutPatient(ctx context.Context, p dialogue.Patient) error
	Appointment(ctx context.Context, id string) (dialogue.Appointment, error)
	AppointmentsBetween(ctx context.Context, from, to time.Time) ([]dialogue.Appointment, error)
	PutAppointment(ctx context.Context, a dialogue.Appointment) error
	PutSlot(ctx context.Context, s dialogue.Slot) error
	Slots(ctx context.Context) ([]dialogue.Slot, error)
	Waitlist(ctx context.Context) ([]dialogue.WaitlistEntry, error)
	Conversation(ctx context.Context, phone string) (dialogue.Conversation, error)
	Messages(ctx context.Context, phone string) ([]dialogue.Message, error)
	PatientsByPhone(ctx context.Context, phone string) ([]dialogue.Patient, error)
	ClaimInbound(ctx context.Context, sid string) (store.InboundState, error)
	FinishInbound(ctx context.Context, sid string) error
	ReleaseInbound(ctx context.Context, sid string) error
	UpdateMessageStatus(ctx context.Context, sid, status string) error
	Tasks(ctx context.Context) ([]dialogue.Task, error)
	Ping(ctx context.Context) error
}

// Engine is what the gateway needs of the conversation core.
type Engine interface {
	Receive(ctx context.Context, in dialogue.Inbound) (dialogue.Outcome, error)
	SendReminder(ctx context.Context, apptID string) (dialogue.Sent, error)
	CancelByClinic(ctx context.Context, apptID string) (dialogue.Appointment, error)
	SlotFreed(ctx context.Context, s dialogue.Slot) error
}

// Config is the gateway's part of the service configuration.
type Config struct {
	PublicBaseURL   string // scheme://host[:port] Twilio calls; signatures are checked against it
	TwilioAuthToken string
	AdminAPIKey     string
}

// Server holds the handlers' dependencies.
type Server struct {
	cfg     Config
	store   Store
	engine  Engine
	log     *slog.Logger
	metrics *metrics
	reg     *prometheus.Registry
}

// New returns the gateway over its dependencies. reg receives the
// service's metrics (nil: a private registry).
func New(cfg Config, st Store, eng Engine, log *slog.Logger, reg *prometheus.Registry) *Server {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, store: st, engine: eng, log: log, metrics: newMetrics(reg), reg: reg}
}

// Handler lists the whole HTTP surface.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.accessLog(), limitBody(64<<10))
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) { jsonError(c, http.StatusNotFound, "no such route") })
	r.NoMethod(func(c *gin.Context) { jsonError(c, http.StatusMethodNotAllowed, "method not allowed") })

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})))

	tw := r.Group("/v1/twilio", s.twilioSignature())
	tw.POST("/sms", s.inboundSMS)
	tw.POST("/status", s.statusCallback)

	api := r.Group("/v1", s.bearer())
	api.PUT("/patients/:id", s.putPatient)
	api.GET("/patients/:id", s.getPatient)
	api.PUT("/appointments/:id", s.putAppointment)
	api.GET("/appointments", s.listAppointments)
	api.GET("/appointments/:id", s.getAppointment)
	api.POST("/appointments/:id/cancel", s.cancelAppointment)
	api.POST("/appointments/:id/reminders", s.sendReminder)
	api.PUT("/slots/:id", s.putSlot)
	api.GET("/slots", s.listSlots)
	api.GET("/waitlist", s.listWaitlist)
	api.GET("/conversations/:phone", s.getConversation)
	api.GET("/tasks", s.listTasks)
	api.POST("/broadcasts", s.createBroadcast)
	api.GET("/broadcasts/:id", s.getBroadcast)
	return r
}

func (s *Server) healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "redis unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// accessLog logs the route pattern, never the raw path: paths carry phones.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.requests.WithLabelValues(route, http.StatusText(c.Writer.Status())).Inc()
		s.log.Info("http", "method", c.Request.Method, "route", route, "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
	}
}

// limitBody caps request bodies; a larger one fails to parse with 413/400.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			jsonError(c, http.StatusRequestEntityTooLarge, "request body too large")
			c.Abort()
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}

type metrics struct {
	requests *prometheus.CounterVec
	inbound  *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "clinicsms_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		inbound:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "clinicsms_inbound_messages_total", Help: "Inbound SMS by intent."}, []string{"intent"}),
	}
	reg.MustRegister(m.requests, m.inbound)
	return m
}
