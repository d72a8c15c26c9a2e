package gateway

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"clinicsms/internal/broadcast"
)

// broadcasts returns the broadcast service over the gateway's store, when
// the store keeps broadcasts (internal/store does). The Store interface
// stays as it is: broadcasts need their own, broadcast.Store.
func (s *Server) broadcasts(c *gin.Context) (*broadcast.Service, bool) {
	bs, ok := s.store.(broadcast.Store)
	if !ok {
		jsonError(c, http.StatusNotImplemented, "broadcasts are not available on this store")
		return nil, false
	}
	return broadcast.NewService(bs), true
}

type broadcastFilter struct {
	Location string `json:"location"`
	Provider string `json:"provider"`
	From     string `json:"from"`
	To       string `json:"to"`
}

type broadcastRequest struct {
	Filter    *broadcastFilter  `json:"filter"`
	Templates map[string]string `json:"templates"`
	Key       string            `json:"key"`
}

type broadcastResponse struct {
	ID        string           `json:"id"`
	Status    broadcast.Status `json:"status"`
	Total     int              `json:"total"`
	Queued    int              `json:"queued"`
	Sent      int              `json:"sent"`
	Failed    int              `json:"failed"`
	Skipped   int              `json:"skipped"`
	CreatedAt time.Time        `json:"created_at"`
	DoneAt    time.Time        `json:"done_at,omitzero"`
	Filter    broadcast.Filter `json:"filter"`
	Key       string           `json:"key,omitempty"`
	Languages []string         `json:"languages,omitempty"` // languages with a template
}

// filter checks the request's filter and turns it into the broadcast's.
func (r broadcastRequest) filter() (broadcast.Filter, error) {
	if r.Filter == nil {
		return broadcast.Filter{}, errors.New("filter is required, with from and to")
	}
	f := broadcast.Filter{Location: strings.TrimSpace(r.Filter.Location), Provider: strings.TrimSpace(r.Filter.Provider)}
	for _, o := range []struct{ name, v string }{{"filter.location", r.Filter.Location}, {"filter.provider", r.Filter.Provider}} {
		if o.v == "" {
			continue
		}
		if err := text(o.name, o.v, 100); err != nil {
			return f, err
		}
	}
	for _, t := range []struct {
		name, v string
		to      *time.Time
	}{{"filter.from", r.Filter.From, &f.From}, {"filter.to", r.Filter.To, &f.To}} {
		if t.v == "" {
			return f, errors.New(t.name + " is required (an RFC 3339 time)")
		}
		v, err := time.Parse(time.RFC3339, t.v)
		if err != nil {
			return f, errors.New(t.name + " must be an RFC 3339 time like 2026-12-03T00:00:00-05:00")
		}
		*t.to = v.UTC()
	}
	return f, nil
}

// createBroadcast queues a message to every patient with an active
// appointment matching the filter. It answers 202 once the recipient list
// is stored; workers send it at the configured rate.
func (s *Server) createBroadcast(c *gin.Context) {
	svc, ok := s.broadcasts(c)
	if !ok {
		return
	}
	var req broadcastRequest
	if !decode(c, &req) {
		return
	}
	f, err := req.filter()
	if err != nil {
		jsonError(c, http.StatusBadRequest, err.Error())
		return
	}
	b, err := svc.Create(c.Request.Context(), f, broadcast.Message{Templates: req.Templates, Key: strings.TrimSpace(req.Key)})
	if errors.Is(err, broadcast.ErrInvalid) {
		jsonError(c, http.StatusBadRequest, strings.TrimPrefix(err.Error(), broadcast.ErrInvalid.Error()+": "))
		return
	}
	if err != nil {
		s.fail(c, "broadcast", err)
		return
	}
	s.log.Info("broadcast queued", "id", b.ID, "total", b.Total)
	c.JSON(http.StatusAccepted, gin.H{"id": b.ID, "total": b.Total})
}

// getBroadcast reports a broadcast's progress.
func (s *Server) getBroadcast(c *gin.Context) {
	id, ok := pathID(c)
	if !ok {
		return
	}
	svc, ok := s.broadcasts(c)
	if !ok {
		return
	}
	b, p, err := svc.Get(c.Request.Context(), id)
	if err != nil {
		s.fail(c, "broadcast", err)
		return
	}
	resp := broadcastResponse{ID: b.ID, Status: p.Status(), Total: p.Total, Queued: p.Queued(), Sent: p.Sent,
		Failed: p.Failed, Skipped: p.Skipped, CreatedAt: b.CreatedAt, DoneAt: p.DoneAt, Filter: b.Filter, Key: b.Message.Key}
	resp.Languages = broadcast.TemplateLanguages(b.Message)
	c.JSON(http.StatusOK, resp)
}
