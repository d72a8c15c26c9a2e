package sms

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
)

// Console "sends" by printing each message to a writer: the developer's
// phone when no Twilio account is configured. It is not a log, so it shows
// the body; the number is masked all the same. Console never reports an
// opt-out: with it the service itself answers STOP. Safe for concurrent use.
type Console struct {
	mu sync.Mutex
	w  io.Writer
	n  int
}

// NewConsole returns a Console that writes to w.
func NewConsole(w io.Writer) *Console {
	return &Console{w: w}
}

// Send writes one block, "SMS to +1******4567:" then the body and a blank
// line, and returns "console-<n>", n counting from 1.
func (c *Console) Send(ctx context.Context, to, body string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("console send: %w", err)
	}
	block := "SMS to " + MaskPhone(to) + ":\n" + strings.TrimRight(body, "\n") + "\n\n"
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.w, block); err != nil {
		return "", fmt.Errorf("console send: %w", err)
	}
	c.n++
	return fmt.Sprintf("console-%d", c.n), nil
}

var maskableRe = regexp.MustCompile(`^\+[0-9]{8,15}$`)

// MaskPhone hides a phone number for logs and screens, keeping the "+",
// the first digit and the last four: "+15551234567" → "+1******4567".
// Anything that is not an E.164 number of at least 8 digits becomes "***",
// so odd input leaks neither digits nor length.
func MaskPhone(p string) string {
	if !maskableRe.MatchString(p) {
		return "***"
	}
	return p[:2] + strings.Repeat("*", len(p)-6) + p[len(p)-4:]
}
