package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

// Conversation returns the phone's conversation, or a new Idle one (Phone
// set, zero UpdatedAt) when none exists.
func (s *Store) Conversation(ctx context.Context, phone string) (dialogue.Conversation, error) {
	var c dialogue.Conversation
	_, err := s.getRaw(ctx, s.convKey(phone), &c)
	if errors.Is(err, dialogue.ErrNotFound) {
		return dialogue.Conversation{Phone: phone, State: dialogue.Idle}, nil
	}
	if err != nil {
		return dialogue.Conversation{}, fmt.Errorf("get conversation: %w", err)
	}
	return c, nil
}

// SaveConversation stores c under c.Phone, replacing what was there.
func (s *Store) SaveConversation(ctx context.Context, c dialogue.Conversation) error {
	if c.Phone == "" {
		return errors.New("save conversation: empty phone")
	}
	// The index first: a phone listed without a record reads as Idle,
	// while a record missing from the index would be invisible.
	if err := s.rdb.SAdd(ctx, s.convIndexKey(), c.Phone).Err(); err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	if err := s.rdb.Set(ctx, s.convKey(c.Phone), encode(c), 0).Err(); err != nil {
		return fmt.Errorf("save conversation: %w", err)
	}
	return nil
}

// Conversations returns every conversation, most recently updated first
// (ties by phone).
func (s *Store) Conversations(ctx context.Context) ([]dialogue.Conversation, error) {
	phones, err := s.rdb.SMembers(ctx, s.convIndexKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	// One GET each, pipelined: on a cluster the keys live in different
	// slots, so MGET is not an option; the cluster client splits the
	// pipeline by node.
	cmds := make([]*redis.StringCmd, len(phones))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, ph := range phones {
			cmds[i] = p.Get(ctx, s.convKey(ph))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	out := make([]dialogue.Conversation, 0, len(phones))
	for i, cmd := range cmds {
		raw, err := cmd.Result()
		if errors.Is(err, redis.Nil) {
			out = append(out, dialogue.Conversation{Phone: phones[i], State: dialogue.Idle})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("conversations: %w", err)
		}
		var c dialogue.Conversation
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, fmt.Errorf("conversations: decode: %w", err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b dialogue.Conversation) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.Phone, b.Phone)
	})
	return out, nil
}

// AppendMessage adds m to the end of the phone's thread. An outbound
// message with a provider sid is indexed so UpdateMessageStatus finds it.
func (s *Store) AppendMessage(ctx context.Context, phone string, m dialogue.Message) error {
	// One round trip; the cluster client splits it by slot. The index
	// is queued first (see SaveConversation).
	var push *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.convIndexKey(), phone)
		push = p.RPush(ctx, s.msgsKey(phone), encode(m))
		return nil
	})
	if err != nil {
		return fmt.Errorf("append message: %w", err)
	}
	n := push.Val()
	if m.Direction != dialogue.Out || m.SID == "" {
		return nil
	}
	// The message's position never changes: threads are append-only.
	ref := strconv.FormatInt(n-1, 10) + ":" + phone
	if err := s.rdb.Set(ctx, s.msgSIDKey(m.SID), ref, msgSIDTTL).Err(); err != nil {
		return fmt.Errorf("append message: index sid: %w", err)
	}
	return nil
}

// Messages returns the phone's thread, oldest first.
func (s *Store) Messages(ctx context.Context, phone string) ([]dialogue.Message, error) {
	vals, err := s.rdb.LRange(ctx, s.msgsKey(phone), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	out := make([]dialogue.Message, 0, len(vals))
	for _, v := range vals {
		var m dialogue.Message
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("messages: decode: %w", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// statusRank orders Twilio's outbound delivery statuses. Callbacks can
// arrive out of order; a status never replaces one ranked higher, so a
// late "sent" does not undo "delivered". Unknown statuses rank 0 and
// always apply.
func statusRank(status string) int {
	switch status {
	case "accepted", "scheduled":
		return 1
	case "queued":
		return 2
	case "sending":
		return 3
	case "sent":
		return 4
	case "delivered", "undelivered", "failed", "canceled":
		return 5
	case "read":
		return 6
	}
	return 0
}

// UpdateMessageStatus records a delivery status for the outbound message
// with provider sid. ErrNotFound when the sid is unknown (or its index
// expired, after 30 days).
func (s *Store) UpdateMessageStatus(ctx context.Context, sid, status string) error {
	ref, err := s.rdb.Get(ctx, s.msgSIDKey(sid)).Result()
	if errors.Is(err, redis.Nil) {
		return fmt.Errorf("update message status: %w", dialogue.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("update message status: %w", err)
	}
	pos, phone, ok := strings.Cut(ref, ":")
	i, perr := strconv.ParseInt(pos, 10, 64)
	if !ok || perr != nil {
		return fmt.Errorf("update message status: bad index entry: %w", dialogue.ErrNotFound)
	}
	key := s.msgsKey(phone)
	return retry(ctx, "update message status", func() error {
		raw, err := s.rdb.LIndex(ctx, key, i).Result()
		if errors.Is(err, redis.Nil) {
			return fmt.Errorf("update message status: %w", dialogue.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("update message status: %w", err)
		}
		var m dialogue.Message
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return fmt.Errorf("update message status: decode: %w", err)
		}
		if m.SID != sid {
			return fmt.Errorf("update message status: index points elsewhere: %w", dialogue.ErrNotFound)
		}
		if r := statusRank(status); r > 0 && r < statusRank(m.Status) {
			return nil // stale callback
		}
		m.Status = status
		var b batch
		b.lindex(errStale, key, i, raw)
		b.lset(key, i, encode(m))
		return s.commit(ctx, &b)
	})
}

// unlockScript deletes a lock only if it still holds our token, so a
// holder whose lease expired cannot release someone else's lock.
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// Lock serialises processing of one phone across processes: SET NX PX
// with a random token, retried every few milliseconds for up to 5 s
// (then ErrLockTimeout). The lease is 30 s, so a crashed holder blocks the
// phone no longer than that. The returned func releases the lock if it is
// still ours; calling it more than once is harmless.
func (s *Store) Lock(ctx context.Context, phone string) (unlock func(), err error) {
	key := s.lockKey(phone)
	token := randomHex(16)
	deadline := time.Now().Add(s.lockWait)
	for {
		ok, err := s.rdb.SetNX(ctx, key, token, s.lockTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("lock conversation: %w", err)
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("lock conversation: %w", ErrLockTimeout)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("lock conversation: %w", ctx.Err())
		case <-time.After(time.Duration(5+rand.IntN(20)) * time.Millisecond):
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			// Release even when ctx is already cancelled.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := unlockScript.Run(rctx, s.rdb, []string{key}, token).Err(); err != nil {
				// The lease expires on its own; no phone in the log.
				slog.WarnContext(ctx, "store: release conversation lock", "err", err)
			}
		})
	}, nil
}
