package inbox

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"clinicsms/dialogue"
)

//go:embed web
var webFS embed.FS

// Conversations is what the inbox reads of the SMS conversations and the
// schedule (internal/store satisfies it).
type Conversations interface {
	Conversations(ctx context.Context) ([]dialogue.Conversation, error)
	Conversation(ctx context.Context, phone string) (dialogue.Conversation, error)
	Messages(ctx context.Context, phone string) ([]dialogue.Message, error)
	PatientsByPhone(ctx context.Context, phone string) ([]dialogue.Patient, error)
	AppointmentsByPatient(ctx context.Context, patientID string) ([]dialogue.Appointment, error)
	Appointment(ctx context.Context, id string) (dialogue.Appointment, error)
	// Confirm marks an active appointment confirmed (staff confirming for the patient).
	Confirm(ctx context.Context, apptID string) (dialogue.Appointment, error)
	// Tasks lists staff to-dos (a bare CANCEL opens one), oldest first.
	Tasks(ctx context.Context) ([]dialogue.Task, error)
	// OpenSlots lists open slots of provider and type starting after from,
	// earliest first, at most limit.
	OpenSlots(ctx context.Context, provider, typ string, from time.Time, limit int) ([]dialogue.Slot, error)
}

// Engine is what the inbox asks of the conversation core.
type Engine interface {
	StaffReply(ctx context.Context, phone, lang, body string) (dialogue.Sent, error)
	Resolve(ctx context.Context, phone string) error
	// CancelByClinic cancels a visit, tells the patient and offers the
	// freed time to the waitlist.
	CancelByClinic(ctx context.Context, apptID string) (dialogue.Appointment, error)
	// RescheduleByStaff moves a visit into an open slot, tells the patient
	// the new time and offers the freed time to the waitlist;
	// dialogue.ErrSlotTaken when the slot went meanwhile.
	RescheduleByStaff(ctx context.Context, apptID, slotID string) (dialogue.Appointment, error)
}

// Config tunes the inbox.
type Config struct {
	// SecureCookies marks the session cookie Secure (PUBLIC_BASE_URL is https).
	SecureCookies bool
	// Translator, when set, shows inbound texts translated into StaffLang
	// and offers to translate staff replies into the patient's language.
	Translator Translator
	// StaffLang is the language staff read (ISO 639-1; default "en").
	StaffLang string
	// Now is injectable for tests.
	Now func() time.Time
}

// Server serves the staff inbox pages.
type Server struct {
	cfg   Config
	st    *Store
	conv  Conversations
	eng   Engine
	log   *slog.Logger
	pages map[string]*template.Template
	// closing ends every open event stream (CloseStreams).
	closing   chan struct{}
	closeOnce sync.Once
}

// CloseStreams ends every open event stream, so a graceful shutdown does
// not wait for them; browsers reconnect to another replica. Register it
// with http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() { s.closeOnce.Do(func() { close(s.closing) }) }

// New returns the inbox over its dependencies.
func New(cfg Config, st *Store, conv Conversations, eng Engine, log *slog.Logger) (*Server, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StaffLang == "" {
		cfg.StaffLang = "en"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, st: st, conv: conv, eng: eng, log: log, pages: pages, closing: make(chan struct{})}, nil
}

// Paths are the URL paths the inbox owns; Wrap sends them to the inbox.
var paths = []string{"/inbox", "/login", "/logout"}

// Wrap returns a handler that serves the inbox's paths (and sends "/" to
// /inbox) and passes every other request to next (the gateway).
func (s *Server) Wrap(next http.Handler) http.Handler {
	ib := s.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/" {
			http.Redirect(w, r, "/inbox", http.StatusSeeOther)
			return
		}
		for _, own := range paths {
			if p == own || strings.HasPrefix(p, own+"/") {
				ib.ServeHTTP(w, r)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Handler lists the inbox's whole HTTP surface.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	_ = r.SetTrustedProxies(nil) // client IP for throttling is the peer address
	r.Use(gin.Recovery(), s.accessLog(), securityHeaders(), limitBody(32<<10))
	r.NoRoute(func(c *gin.Context) { s.errorPage(c, http.StatusNotFound, "No such page.") })

	static, _ := fs.Sub(webFS, "web/static")
	r.StaticFS("/inbox/static", http.FS(static))
	r.GET("/login", s.loginForm)
	r.POST("/login", s.sameOrigin(), s.login)

	in := r.Group("/", s.sameOrigin(), s.auth())
	in.POST("/logout", s.logout)
	in.POST("/logout/everywhere", s.logoutEverywhere)
	in.GET("/inbox", s.queue)
	in.GET("/inbox/events", s.events)
	in.GET("/inbox/mentions", s.mentions)
	in.GET("/inbox/c/:phone", s.conversation)
	in.POST("/inbox/c/:phone/reveal", s.reveal)
	in.POST("/inbox/c/:phone/reply", s.reply)
	in.POST("/inbox/c/:phone/notes", s.addNote)
	in.POST("/inbox/c/:phone/assign", s.assign)
	in.POST("/inbox/c/:phone/resolve", s.resolve)
	in.POST("/inbox/c/:phone/correct", s.correct)
	in.POST("/inbox/c/:phone/appointment", s.appointment)
	in.POST("/inbox/c/:phone/reschedule", s.reschedule)

	admin := in.Group("/inbox/audit", s.adminOnly())
	admin.GET("", s.audit)
	admin.GET("/export.csv", s.auditCSV)
	admin.GET("/export.jsonl", s.auditJSONL)
	return r
}

// Keys of values the middleware sets on the gin context.
const (
	ctxSession = "inbox.session"
	ctxUser    = "inbox.user"
)

const cookieName = "inbox_session"

// auth lets only a live session through, checks the CSRF token of every
// POST, and restarts the session's idle clock.
func (s *Server) auth() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, _ := c.Cookie(cookieName)
		// A page refreshing itself on a live event is not the person doing
		// something: it must not keep an unattended session alive.
		touch := c.GetHeader("X-Inbox-Refresh") == ""
		sess, u, err := s.st.Session(c.Request.Context(), id, touch)
		if err != nil {
			if !errors.Is(err, ErrNoSession) {
				s.fail(c, err)
				c.Abort()
				return
			}
			s.clearCookie(c)
			if c.Request.Method == http.MethodGet && !strings.HasSuffix(c.Request.URL.Path, "/events") {
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			} else {
				s.errorPage(c, http.StatusUnauthorized, "Your session has ended. Please log in again.")
			}
			c.Abort()
			return
		}
		if c.Request.Method == http.MethodPost && !sess.CheckCSRF(c.PostForm("csrf")) {
			s.errorPage(c, http.StatusForbidden, "This form has expired. Go back, reload the page and try again.")
			c.Abort()
			return
		}
		if touch {
			s.setCookie(c, sess.ID)
		}
		c.Set(ctxSession, sess)
		c.Set(ctxUser, u)
		c.Next()
	}
}

func (s *Server) adminOnly() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.MustGet(ctxUser).(User).Role != Admin {
			s.errorPage(c, http.StatusForbidden, "Only administrators can open this page.")
			c.Abort()
			return
		}
		c.Next()
	}
}

// sameOrigin refuses a POST whose Origin header names another site
// (a second line behind SameSite=Strict and the CSRF token).
func (s *Server) sameOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodPost {
			if o := c.GetHeader("Origin"); o != "" && o != "null" {
				u, err := url.Parse(o)
				if err != nil || u.Host != c.Request.Host {
					s.errorPage(c, http.StatusForbidden, "Cross-site form refused.")
					c.Abort()
					return
				}
			}
		}
		c.Next()
	}
}

func (s *Server) setCookie(c *gin.Context, id string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: id, Path: "/", MaxAge: int(IdleTimeout / time.Second),
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

func (s *Server) clearCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteStrictMode})
}

// securityHeaders: no framing, no external anything, no caching of
// patient data, and no Referer (URLs hold phone numbers).
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(c.Request.URL.Path, "/inbox/static/") {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}

func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
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
		s.log.Info("http", "method", c.Request.Method, "route", route, "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
	}
}

// fail logs an internal error (never shown to the user) and answers 500.
func (s *Server) fail(c *gin.Context, err error) {
	s.log.Error("inbox", "route", c.FullPath(), "err", err)
	s.errorPage(c, http.StatusInternalServerError, "Something went wrong. Please try again.")
}
