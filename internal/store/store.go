package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

// Compile-time checks that Store is what the dialogue engine needs.
var (
	_ dialogue.Conversations = (*Store)(nil)
	_ dialogue.Schedule      = (*Store)(nil)
)

// Tunables. They are constants rather than options because nothing needs
// to change them yet; tests in this package set the Store fields directly.
const (
	// inboundTTL is how long an inbound MessageSid is remembered.
	inboundTTL = 7 * 24 * time.Hour
	// inboundStale is how old a pending mark must be before another caller
	// may reprocess the message (the first attempt is presumed crashed).
	inboundStale = 30 * time.Second
	// msgSIDTTL is how long a status callback can find its outbound message.
	msgSIDTTL = 30 * 24 * time.Hour
	// lockTTL is the lease of a conversation lock: a crashed holder blocks
	// the phone for at most this long.
	lockTTL = 30 * time.Second
	// lockWait is how long Lock waits for a busy conversation.
	lockWait = 5 * time.Second
	// maxAttempts bounds optimistic retries when a record changed between
	// the read in Go and the guarded write in Lua.
	maxAttempts = 50
)

// ErrLockTimeout is returned by Lock when the conversation stayed locked by
// someone else for the whole wait.
var ErrLockTimeout = errors.New("conversation lock wait timed out")

// Store keeps the clinic's schedule and the SMS conversations in Redis.
// The zero value is not usable; call New.
type Store struct {
	rdb    redis.UniversalClient
	prefix string

	now          func() time.Time // clock for inbound marks and defaults
	lockTTL      time.Duration
	lockWait     time.Duration
	inboundStale time.Duration
}

// New returns a Store over rdb (a *redis.Client or a *redis.ClusterClient:
// the same code runs on both). prefix starts every key, so several
// stores (for example parallel test packages) can share one Redis; it must
// not contain '{' or '}', which Redis Cluster reads as a hash tag.
func New(rdb redis.UniversalClient, prefix string) *Store {
	return &Store{
		rdb:          rdb,
		prefix:       prefix,
		now:          time.Now,
		lockTTL:      lockTTL,
		lockWait:     lockWait,
		inboundStale: inboundStale,
	}
}

// Ping reports whether Redis answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis: %w", err)
	}
	return nil
}

// Key names. See doc.go for the layout.

func (s *Store) schedKey(parts ...string) string {
	k := s.prefix + ":{sched}"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (s *Store) patientKey(id string) string      { return s.schedKey("patient", id) }
func (s *Store) phoneKey(phone string) string     { return s.schedKey("phone", phone) }
func (s *Store) apptKey(id string) string         { return s.schedKey("appt", id) }
func (s *Store) patientApptsKey(id string) string { return s.schedKey("pappts", id) }
func (s *Store) slotKey(id string) string         { return s.schedKey("slot", id) }
func (s *Store) slotsKey() string                 { return s.schedKey("slots") }
func (s *Store) waitKey() string                  { return s.schedKey("wait") }
func (s *Store) tasksKey() string                 { return s.schedKey("tasks") }
func (s *Store) convKey(phone string) string      { return s.prefix + ":conv:{" + phone + "}" }
func (s *Store) msgsKey(phone string) string      { return s.convKey(phone) + ":msgs" }
func (s *Store) lockKey(phone string) string      { return s.convKey(phone) + ":lock" }
func (s *Store) convIndexKey() string             { return s.prefix + ":{convs}:phones" }
func (s *Store) msgSIDKey(sid string) string      { return s.prefix + ":msgsid:{" + sid + "}" }
func (s *Store) inboundKey(sid string) string     { return s.prefix + ":inbound:{" + sid + "}" }

// score turns a time into a sorted-set score: Unix milliseconds, exact in
// a float64 for the next few hundred thousand years.
func score(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// errStale says a guarded write found a record different from what Go had
// read; the caller reads again and retries.
var errStale = errors.New("record changed concurrently")

// retry runs attempt until it returns something other than errStale, with
// a short jittered pause between tries. After maxAttempts it gives up with
// ErrConflict: the record is too hot to change now.
func retry(ctx context.Context, op string, attempt func() error) error {
	for i := 0; i < maxAttempts; i++ {
		err := attempt()
		if !errors.Is(err, errStale) {
			return err
		}
		pause := time.Duration(1+mrand.IntN(5*(i+1))) * time.Millisecond
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w", op, ctx.Err())
		case <-time.After(pause):
		}
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w", op, maxAttempts, dialogue.ErrConflict)
}
