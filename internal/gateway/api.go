package gateway

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"clinicsms/dialogue"
	"clinicsms/locales"
)

var (
	phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

func validPhone(p string) bool { return phoneRE.MatchString(p) }

// sanitizeBody keeps a message body storable: valid UTF-8, no NULs.
func sanitizeBody(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// bearer checks the JSON API's token in constant time.
func (s *Server) bearer() gin.HandlerFunc {
	want := []byte("Bearer " + s.cfg.AdminAPIKey)
	return func(c *gin.Context) {
		got := []byte(c.GetHeader("Authorization"))
		if s.cfg.AdminAPIKey == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="clinicsms"`)
			jsonError(c, http.StatusUnauthorized, "missing or wrong bearer token")
			c.Abort()
			return
		}
		c.Next()
	}
}

func jsonError(c *gin.Context, status int, msg string) {
	c.JSON(status, gin.H{"error": msg})
}

// fail maps a domain error to its HTTP status; internals never reach the client.
func (s *Server) fail(c *gin.Context, what string, err error) {
	switch {
	case errors.Is(err, dialogue.ErrNotFound):
		jsonError(c, http.StatusNotFound, what+" not found")
	case errors.Is(err, dialogue.ErrConflict):
		jsonError(c, http.StatusConflict, what+" cannot change in its current status")
	case errors.Is(err, dialogue.ErrOptedOut):
		jsonError(c, http.StatusConflict, "the patient's number has opted out of texts")
	case errors.Is(err, dialogue.ErrNothingToSend):
		jsonError(c, http.StatusConflict, what+" is not active")
	case errors.Is(err, dialogue.ErrSendFailed):
		jsonError(c, http.StatusBadGateway, "the SMS provider refused or failed the send")
	case errors.Is(err, dialogue.ErrSlotTaken):
		jsonError(c, http.StatusConflict, "slot taken")
	default:
		s.log.Error("api", "what", what, "err", err)
		jsonError(c, http.StatusInternalServerError, "internal error")
	}
}

// decode reads one JSON object, rejecting unknown fields and trailing data.
func decode(c *gin.Context, v any) bool {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			jsonError(c, http.StatusRequestEntityTooLarge, "request body too large")
		case errors.Is(err, io.EOF):
			jsonError(c, http.StatusBadRequest, "request body must be a JSON object")
		default:
			jsonError(c, http.StatusBadRequest, "invalid JSON: "+err.Error())
		}
		return false
	}
	if dec.More() {
		jsonError(c, http.StatusBadRequest, "invalid JSON: trailing data after the object")
		return false
	}
	return true
}

func pathID(c *gin.Context) (string, bool) {
	id := c.Param("id")
	if !idRE.MatchString(id) {
		jsonError(c, http.StatusBadRequest, "id must be 1-64 letters, digits, '.', '_' or '-'")
		return "", false
	}
	return id, true
}

// text validates a short human string: required, valid UTF-8, no control
// characters, at most max runes.
func text(field, v string, max int) error {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return fmt.Errorf("%s is required", field)
	case !utf8.ValidString(v):
		return fmt.Errorf("%s must be valid UTF-8", field)
	case utf8.RuneCountInString(v) > max:
		return fmt.Errorf("%s must be at most %d characters", field, max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return fmt.Errorf("%s must not contain control characters", field)
		}
	}
	return nil
}

type patientRequest struct {
	Phone    string `json:"phone"`
	Name     string `json:"name"`
	Language string `json:"language"`
}

func (s *Server) putPatient(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req patientRequest
	if !decode(c, &req) {
		return
	}
	if !validPhone(req.Phone) {
		jsonError(c, http.StatusBadRequest, "phone must be an E.164 number like +15551234567")
		return
	}
	if err := text("name", req.Name, 200); err != nil {
		jsonError(c, http.StatusBadRequest, err.Error())
		return
	}
	if req.Language != "" && !locales.IsSupported(req.Language) {
		jsonError(c, http.StatusBadRequest, "language must be one of "+strings.Join(locales.Supported, ", "))
		return
	}
	p := dialogue.Patient{ID: id, Phone: req.Phone, Name: strings.TrimSpace(req.Name), Language: req.Language}
	if err := s.store.PutPatient(c.Request.Context(), p); err != nil {
		s.fail(c, "patient", err)
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Server) getPatient(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	p, err := s.store.Patient(c.Request.Context(), id)
	if err != nil {
		s.fail(c, "patient", err)
		return
	}
	c.JSON(http.StatusOK, p)
}

type appointmentRequest struct {
	PatientID       string `json:"patient_id"`
	Provider        string `json:"provider"`
	Location        string `json:"location"`
	Type            string `json:"type"`
	Start           string `json:"start"`
	DurationMinutes int    `json:"duration_minutes"`
}

type slotRequest struct {
	Provider        string `json:"provider"`
	Location        string `json:"location"`
	Type            string `json:"type"`
	Start           string `json:"start"`
	DurationMinutes int    `json:"duration_minutes"`
}

// validate checks the fields a slot and an appointment share.
func (r slotRequest) validate() (time.Time, error) {
	for _, f := range []struct{ name, v string }{{"provider", r.Provider}, {"location", r.Location}, {"type", r.Type}} {
		if err := text(f.name, f.v, 100); err != nil {
			return time.Time{}, err
		}
	}
	start, err := time.Parse(time.RFC3339, r.Start)
	if err != nil {
		return time.Time{}, errors.New("start must be an RFC 3339 time like 2026-12-03T10:30:00-05:00")
	}
	if r.DurationMinutes < 1 || r.DurationMinutes > 24*60 {
		return time.Time{}, errors.New("duration_minutes must be between 1 and 1440")
	}
	return start, nil
}

func (s *Server) putAppointment(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req appointmentRequest
	if !decode(c, &req) {
		return
	}
	if !idRE.MatchString(req.PatientID) {
		jsonError(c, http.StatusBadRequest, "patient_id is required")
		return
	}
	start, err := slotRequest{req.Provider, req.Location, req.Type, req.Start, req.DurationMinutes}.validate()
	if err != nil {
		jsonError(c, http.StatusBadRequest, err.Error())
		return
	}
	ctx := c.Request.Context()
	if _, err := s.store.Patient(ctx, req.PatientID); errors.Is(err, dialogue.ErrNotFound) {
		jsonError(c, http.StatusBadRequest, "patient_id: no patient "+req.PatientID)
		return
	} else if err != nil {
		s.fail(c, "patient", err)
		return
	}
	a := dialogue.Appointment{ID: id, PatientID: req.PatientID, Provider: strings.TrimSpace(req.Provider),
		Location: strings.TrimSpace(req.Location), Type: strings.TrimSpace(req.Type), Start: start.UTC(),
		DurationMinutes: req.DurationMinutes, Status: dialogue.Booked}
	if old, err := s.store.Appointment(ctx, id); err == nil {
		// Re-sending an appointment updates its details, not its status.
		a.Status, a.RescheduledTo, a.RescheduledFrom, a.Waitlisted = old.Status, old.RescheduledTo, old.RescheduledFrom, old.Waitlisted
	}
	if err := s.store.PutAppointment(ctx, a); err != nil {
		if errors.Is(err, dialogue.ErrNotFound) {
			jsonError(c, http.StatusBadRequest, "patient_id: no patient "+req.PatientID)
			return
		}
		s.fail(c, "appointment", err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) getAppointment(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	a, err := s.store.Appointment(c.Request.Context(), id)
	if err != nil {
		s.fail(c, "appointment", err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) cancelAppointment(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	a, err := s.engine.CancelByClinic(c.Request.Context(), id)
	if err != nil {
		s.fail(c, "appointment", err)
		return
	}
	c.JSON(http.StatusOK, a)
}

func (s *Server) sendReminder(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	sent, err := s.engine.SendReminder(c.Request.Context(), id)
	if err != nil {
		s.fail(c, "appointment", err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"appointment_id": id, "key": sent.Key, "lang": sent.Lang})
}

func (s *Server) putSlot(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	var req slotRequest
	if !decode(c, &req) {
		return
	}
	start, err := req.validate()
	if err != nil {
		jsonError(c, http.StatusBadRequest, err.Error())
		return
	}
	sl := dialogue.Slot{ID: id, Provider: strings.TrimSpace(req.Provider), Location: strings.TrimSpace(req.Location),
		Type: strings.TrimSpace(req.Type), Start: start.UTC(), DurationMinutes: req.DurationMinutes}
	if err := s.store.PutSlot(c.Request.Context(), sl); err != nil {
		s.fail(c, "slot", err)
		return
	}
	// A newly opened time is offered to the waitlist like a freed one.
	if err := s.engine.SlotFreed(c.Request.Context(), sl); err != nil {
		s.log.Warn("offer new slot", "err", err)
	}
	c.JSON(http.StatusOK, sl)
}

func (s *Server) listSlots(c *gin.Context) {
	slots, err := s.store.Slots(c.Request.Context())
	if err != nil {
		s.fail(c, "slots", err)
		return
	}
	if slots == nil {
		slots = []dialogue.Slot{}
	}
	c.JSON(http.StatusOK, gin.H{"slots": slots})
}

func (s *Server) listWaitlist(c *gin.Context) {
	w, err := s.store.Waitlist(c.Request.Context())
	if err != nil {
		s.fail(c, "waitlist", err)
		return
	}
	if w == nil {
		w = []dialogue.WaitlistEntry{}
	}
	c.JSON(http.StatusOK, gin.H{"waitlist": w})
}

type conversationResponse struct {
	Phone            string             `json:"phone"`
	State            dialogue.State     `json:"state"`
	Language         string             `json:"language"`
	OptedOut         bool               `json:"opted_out"`
	Escalated        bool               `json:"escalated"`
	EscalationReason string             `json:"escalation_reason,omitempty"`
	AppointmentID    string             `json:"appointment_id,omitempty"`
	Messages         []dialogue.Message `json:"messages"`
}

func (s *Server) getConversation(c *gin.Context) {
	phone := c.Param("phone")
	if !validPhone(phone) {
		jsonError(c, http.StatusBadRequest, "phone must be an E.164 number like +15551234567 (URL-encode + as %2B)")
		return
	}
	ctx := c.Request.Context()
	conv, err := s.store.Conversation(ctx, phone)
	if err != nil {
		s.fail(c, "conversation", err)
		return
	}
	msgs, err := s.store.Messages(ctx, phone)
	if err != nil {
		s.fail(c, "conversation", err)
		return
	}
	if len(msgs) == 0 && conv.UpdatedAt.IsZero() {
		ps, err := s.store.PatientsByPhone(ctx, phone)
		if err != nil {
			s.fail(c, "conversation", err)
			return
		}
		if len(ps) == 0 {
			jsonError(c, http.StatusNotFound, "conversation not found")
			return
		}
	}
	if msgs == nil {
		msgs = []dialogue.Message{}
	}
	c.JSON(http.StatusOK, conversationResponse{Phone: phone, State: conv.State, Language: conv.Language, OptedOut: conv.OptedOut,
		Escalated: conv.Escalated, EscalationReason: conv.EscalationReason, AppointmentID: conv.AppointmentID, Messages: msgs})
}

// listTasks lists staff to-dos (for example: a patient texted a bare CANCEL).
func (s *Server) listTasks(c *gin.Context) {
	ts, err := s.store.Tasks(c.Request.Context())
	if err != nil {
		s.fail(c, "tasks", err)
		return
	}
	if ts == nil {
		ts = []dialogue.Task{}
	}
	c.JSON(http.StatusOK, gin.H{"tasks": ts})
}

// listAppointments lists appointments starting between after (default now)
// and before, optionally by status. status=unconfirmed is the no-show risk
// list: still booked, never confirmed, so staff can call.
func (s *Server) listAppointments(c *gin.Context) {
	now := time.Now().UTC()
	parse := func(name string, def time.Time) (time.Time, bool) {
		v := c.Query(name)
		if v == "" {
			return def, true
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			jsonError(c, http.StatusBadRequest, name+" must be an RFC 3339 time")
			return time.Time{}, false
		}
		return t, true
	}
	after, ok := parse("after", now)
	if !ok {
		return
	}
	before, ok := parse("before", after.Add(7*24*time.Hour))
	if !ok {
		return
	}
	if !before.After(after) || before.Sub(after) > 366*24*time.Hour {
		jsonError(c, http.StatusBadRequest, "before must be after 'after' and at most a year later")
		return
	}
	status := c.Query("status")
	switch dialogue.Status(status) {
	case "", "unconfirmed", dialogue.Booked, dialogue.Confirmed, dialogue.Cancelled, dialogue.Rescheduled:
	default:
		jsonError(c, http.StatusBadRequest, "status must be unconfirmed, booked, confirmed, cancelled or rescheduled")
		return
	}
	all, err := s.store.AppointmentsBetween(c.Request.Context(), after, before)
	if err != nil {
		s.fail(c, "appointments", err)
		return
	}
	out := []dialogue.Appointment{}
	for _, a := range all {
		switch {
		case status == "":
		case status == "unconfirmed" && a.Status != dialogue.Booked:
			continue
		case status != "unconfirmed" && string(a.Status) != status:
			continue
		}
		out = append(out, a)
	}
	c.JSON(http.StatusOK, gin.H{"appointments": out})
}
