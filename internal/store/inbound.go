package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// InboundState is what ClaimInbound found for an inbound MessageSid.
type InboundState int

// Inbound states. The zero value is none of them, so a result read
// despite an error is never mistaken for InboundNew.
const (
	// InboundNew: first time seen; now marked received. Process it.
	InboundNew InboundState = iota + 1
	// InboundPending: seen before, and the attempt that claimed it did not
	// finish within 30 s (presumed crashed). The caller now holds the
	// claim and may process the message again.
	InboundPending
	// InboundDone: fully processed, or another attempt claimed it less
	// than 30 s ago and is presumably still working. Do not process it.
	InboundDone
)

// String returns the state's name.
func (st InboundState) String() string {
	switch st {
	case InboundNew:
		return "new"
	case InboundPending:
		return "pending"
	case InboundDone:
		return "done"
	}
	return "InboundState(" + strconv.Itoa(int(st)) + ")"
}

// claimScript: KEYS[1] the sid's mark; ARGV now (Unix ms), stale age (ms),
// ttl (ms). The mark is "pending:<claimed at ms>" or "done".
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
local now = tonumber(ARGV[1])
if not v then
  redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'PX', ARGV[3])
  return 1
end
if v == 'done' then return 3 end
local at = tonumber(string.sub(v, 9))
if at == nil or now - at >= tonumber(ARGV[2]) then
  redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'PX', ARGV[3])
  return 2
end
return 3
`)

// ClaimInbound marks an inbound MessageSid received, so a message Twilio
// delivers twice is processed once. Exactly one of any number of
// concurrent first claims gets InboundNew. A claim not finished with
// FinishInbound within 30 s can be taken over once (InboundPending) by
// the next caller; while it is younger, callers get InboundDone: a retry
// arriving during processing is answered without processing it again.
// Call FinishInbound when done, or ReleaseInbound when processing failed
// and the provider should retry. Marks expire after 7 days.
func (s *Store) ClaimInbound(ctx context.Context, sid string) (InboundState, error) {
	n, err := claimScript.Run(ctx, s.rdb, []string{s.inboundKey(sid)},
		s.now().UnixMilli(), s.inboundStale.Milliseconds(), inboundTTL.Milliseconds()).Int()
	if err != nil {
		return 0, fmt.Errorf("claim inbound: %w", err)
	}
	return InboundState(n), nil
}

// FinishInbound marks an inbound MessageSid fully processed.
func (s *Store) FinishInbound(ctx context.Context, sid string) error {
	if err := s.rdb.Set(ctx, s.inboundKey(sid), "done", inboundTTL).Err(); err != nil {
		return fmt.Errorf("finish inbound: %w", err)
	}
	return nil
}

// releaseScript deletes a pending mark; a done mark stays.
var releaseScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 8) == 'pending:' then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// ReleaseInbound forgets a claim whose processing failed, so the
// provider's next delivery of the sid is claimed as InboundNew and
// processed at once instead of after 30 s. A finished sid stays done.
func (s *Store) ReleaseInbound(ctx context.Context, sid string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.inboundKey(sid)}).Err(); err != nil {
		return fmt.Errorf("release inbound: %w", err)
	}
	return nil
}
