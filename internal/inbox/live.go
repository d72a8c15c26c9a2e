package inbox

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"clinicsms/dialogue"
)

var _ dialogue.Observer = (*Publisher)(nil)

// Publisher is the dialogue.Observer that feeds the inbox's live updates:
// every change to a conversation is published on the Redis channel every
// replica's open pages listen to.
type Publisher struct {
	st  *Store
	log *slog.Logger
}

// NewPublisher returns the observer to set as dialogue.Config.Observer.
func NewPublisher(st *Store, log *slog.Logger) *Publisher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{st: st, log: log}
}

// ConversationChanged publishes {phone, kind}. It waits at most a moment
// for Redis and never fails the turn: a lost event only delays a page.
func (p *Publisher) ConversationChanged(ctx context.Context, phone, kind string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 300*time.Millisecond)
	defer cancel()
	if err := p.st.Publish(ctx, phone, kind); err != nil {
		p.log.Warn("publish conversation change", "kind", kind, "err", err)
	}
}

// ssePing is how often an idle event stream sends a comment, and how often
// it checks the session is still alive.
const ssePing = 15 * time.Second

// events streams conversation changes to one page as Server-Sent Events
// ("event: change", data {"phone","kind"}). It ends when the page goes away
// or the session ends.
func (s *Server) events(c *gin.Context) {
	ctx := c.Request.Context()
	sess := c.MustGet(ctxSession).(Session)
	sub := s.st.subscribe(ctx)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		s.fail(c, fmt.Errorf("subscribe: %w", err))
		return
	}
	// The server's write timeout is for ordinary pages; a stream lives on.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Accel-Buffering", "no")
	c.Writer.WriteHeader(http.StatusOK)
	fmt.Fprint(c.Writer, "retry: 2000\n: connected\n\n")
	c.Writer.Flush()
	msgs := sub.Channel()
	tick := time.NewTicker(ssePing)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closing:
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			fmt.Fprintf(c.Writer, "event: change\ndata: %s\n\n", m.Payload)
			c.Writer.Flush()
		case <-tick.C:
			if _, _, err := s.st.Session(ctx, sess.ID, false); err != nil {
				return
			}
			fmt.Fprint(c.Writer, ": ping\n\n")
			c.Writer.Flush()
		}
	}
}
