package gateway

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	twclient "github.com/twilio/twilio-go/client"

	"clinicsms/dialogue"
	"clinicsms/internal/store"
)

// twilioSignature rejects any webhook whose X-Twilio-Signature does not
// match PUBLIC_BASE_URL + path with the auth token (403, nothing changes).
func (s *Server) twilioSignature() gin.HandlerFunc {
	v := twclient.NewRequestValidator(s.cfg.TwilioAuthToken)
	base := strings.TrimRight(s.cfg.PublicBaseURL, "/")
	return func(c *gin.Context) {
		sig := c.GetHeader("X-Twilio-Signature")
		if sig == "" {
			twilioError(c, http.StatusForbidden, "missing X-Twilio-Signature")
			return
		}
		if err := c.Request.ParseForm(); err != nil {
			twilioError(c, http.StatusBadRequest, "malformed form body")
			return
		}
		params := make(map[string]string, len(c.Request.PostForm))
		for k, vs := range c.Request.PostForm {
			if len(vs) > 0 {
				params[k] = vs[0]
			}
		}
		if !v.Validate(base+c.Request.URL.RequestURI(), params, sig) {
			twilioError(c, http.StatusForbidden, "invalid X-Twilio-Signature")
			return
		}
		c.Next()
	}
}

func twilioError(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": msg})
}

const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

func twiml(c *gin.Context) {
	c.Data(http.StatusOK, "text/xml; charset=utf-8", []byte(emptyTwiML))
}

// inboundSMS stores and processes one inbound message, exactly once per
// MessageSid. Replies go out through the outbound provider, never in TwiML.
// When the message cannot be stored the answer is 5xx so Twilio retries.
func (s *Server) inboundSMS(c *gin.Context) {
	ctx := c.Request.Context()
	sid := c.Request.PostForm.Get("MessageSid")
	if sid == "" {
		sid = c.Request.PostForm.Get("SmsSid")
	}
	from := c.Request.PostForm.Get("From")
	body := c.Request.PostForm.Get("Body")
	switch {
	case sid == "" || len(sid) > 64:
		twilioError(c, http.StatusBadRequest, "MessageSid is required")
		return
	case !validPhone(from):
		twilioError(c, http.StatusBadRequest, "From must be an E.164 phone number")
		return
	case len(body) > 5000:
		twilioError(c, http.StatusBadRequest, "Body is too long")
		return
	}
	state, err := s.store.ClaimInbound(ctx, sid)
	if err != nil {
		s.log.Error("claim inbound", "err", err)
		twilioError(c, http.StatusServiceUnavailable, "cannot store message, retry")
		return
	}
	if state == store.InboundDone {
		twiml(c)
		return
	}
	out, err := s.engine.Receive(ctx, dialogue.Inbound{SID: sid, From: from, Body: sanitizeBody(body), At: time.Now()})
	if err != nil {
		s.log.Error("receive inbound", "err", err)
		if rerr := s.store.ReleaseInbound(ctx, sid); rerr != nil {
			s.log.Error("release inbound", "err", rerr)
		}
		twilioError(c, http.StatusInternalServerError, "cannot process message, retry")
		return
	}
	if err := s.store.FinishInbound(ctx, sid); err != nil {
		s.log.Warn("finish inbound", "err", err)
	}
	if !out.Duplicate {
		s.metrics.inbound.WithLabelValues(string(out.Reading.Intent)).Inc()
	}
	twiml(c)
}

// statusCallback records a delivery status on the outbound message.
func (s *Server) statusCallback(c *gin.Context) {
	sid := c.Request.PostForm.Get("MessageSid")
	status := c.Request.PostForm.Get("MessageStatus")
	if sid == "" || status == "" || len(sid) > 64 || len(status) > 32 {
		twilioError(c, http.StatusBadRequest, "MessageSid and MessageStatus are required")
		return
	}
	err := s.store.UpdateMessageStatus(c.Request.Context(), sid, status)
	switch {
	case errors.Is(err, dialogue.ErrNotFound):
		twilioError(c, http.StatusNotFound, "unknown MessageSid")
	case err != nil:
		s.log.Error("update message status", "err", err)
		twilioError(c, http.StatusServiceUnavailable, "cannot store status, retry")
	default:
		c.Status(http.StatusNoContent)
	}
}
