package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
	"clinicsms/internal/broadcast"
)

// Broadcasts (internal/broadcast) and the shared send throttle.
//
//	P:bc:{<id>}                string  JSON broadcast.Broadcast (never changes)
//	P:bc:{<id>}:progress       hash    total, next (claim cursor), claimed, sent, failed, skipped, done_at (Unix ms)
//	P:bc:{<id>}:rcpt           list    JSON broadcast.Recipient, in send order
//	P:bc:{<id>}:claims         zset    indexes claimed and not settled, score lease end (Unix ms)
//	P:bc:{<id>}:returned       list    indexes given back unsent, claimed again first
//	P:{bcs}:active             zset    ids of broadcasts not known done, score creation (Unix ms)
//	P:throttle:{<bucket>}      string  next free send slot (Unix µs, Redis clock)
//
// The keys of one broadcast share its tag, so its creation is one
// MULTI/EXEC and every claim and settlement one script. The active list
// has its own tag and is written after the broadcast (a crash in between
// leaves a stored broadcast nobody sends and whose creator got an error)
// and cleared after it is done (a done broadcast still listed is retired
// by the next worker that looks).

// recipientRetain is how long a done broadcast keeps its recipient list
// (phone numbers); its description and counts stay.
const recipientRetain = 30 * 24 * time.Hour

// Compile-time check that Store is what broadcasts need.
var (
	_ broadcast.Store    = (*Store)(nil)
	_ broadcast.Throttle = (*Store)(nil)
)

func (s *Store) bcKey(id string) string         { return s.prefix + ":bc:{" + id + "}" }
func (s *Store) bcProgressKey(id string) string { return s.bcKey(id) + ":progress" }
func (s *Store) bcRcptKey(id string) string     { return s.bcKey(id) + ":rcpt" }
func (s *Store) bcClaimsKey(id string) string   { return s.bcKey(id) + ":claims" }
func (s *Store) bcReturnedKey(id string) string { return s.bcKey(id) + ":returned" }
func (s *Store) bcActiveKey() string            { return s.prefix + ":{bcs}:active" }
func (s *Store) throttleKey(bucket string) string {
	return s.prefix + ":throttle:{" + bucket + "}"
}

// PatientsByID returns the patients of ids that exist, in the order of
// ids, reading them a thousand at a time.
func (s *Store) PatientsByID(ctx context.Context, ids []string) ([]dialogue.Patient, error) {
	const chunk = 1000
	out := make([]dialogue.Patient, 0, len(ids))
	for i := 0; i < len(ids); i += chunk {
		part := ids[i:min(i+chunk, len(ids))]
		keys := make([]string, len(part))
		for j, id := range part {
			keys[j] = s.patientKey(id)
		}
		ps, err := mgetJSON[dialogue.Patient](ctx, s.rdb, keys)
		if err != nil {
			return nil, fmt.Errorf("patients by id: %w", err)
		}
		out = append(out, ps...)
	}
	return out, nil
}

// CreateBroadcast stores b, its counts and its recipients in one
// MULTI/EXEC, then lists it for workers (unless it has no recipients:
// it is done at once). b.Total must be len(rs).
func (s *Store) CreateBroadcast(ctx context.Context, b broadcast.Broadcast, rs []broadcast.Recipient) error {
	if b.ID == "" || b.Total != len(rs) {
		return fmt.Errorf("create broadcast: id %q with total %d for %d recipients", b.ID, b.Total, len(rs))
	}
	progress := map[string]any{"total": len(rs), "next": 0, "claimed": 0, "sent": 0, "failed": 0, "skipped": 0}
	if len(rs) == 0 {
		progress["done_at"] = b.CreatedAt.UnixMilli()
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.bcRcptKey(b.ID), s.bcClaimsKey(b.ID), s.bcReturnedKey(b.ID))
		const chunk = 1000
		for i := 0; i < len(rs); i += chunk {
			vals := make([]any, 0, chunk)
			for _, r := range rs[i:min(i+chunk, len(rs))] {
				vals = append(vals, encode(r))
			}
			p.RPush(ctx, s.bcRcptKey(b.ID), vals...)
		}
		p.HSet(ctx, s.bcProgressKey(b.ID), progress)
		p.Set(ctx, s.bcKey(b.ID), encode(b), 0)
		return nil
	})
	if err != nil {
		return fmt.Errorf("create broadcast: %w", err)
	}
	if len(rs) == 0 {
		return nil
	}
	if err := s.rdb.ZAdd(ctx, s.bcActiveKey(), redis.Z{Score: float64(b.CreatedAt.UnixMilli()), Member: b.ID}).Err(); err != nil {
		return fmt.Errorf("list broadcast: %w", err)
	}
	return nil
}

// Broadcast returns a broadcast and its counts, or dialogue.ErrNotFound.
func (s *Store) Broadcast(ctx context.Context, id string) (broadcast.Broadcast, broadcast.Progress, error) {
	var (
		meta *redis.StringCmd
		prog *redis.MapStringStringCmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		meta = p.Get(ctx, s.bcKey(id))
		prog = p.HGetAll(ctx, s.bcProgressKey(id))
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return broadcast.Broadcast{}, broadcast.Progress{}, fmt.Errorf("get broadcast: %w", dialogue.ErrNotFound)
	}
	if err != nil {
		return broadcast.Broadcast{}, broadcast.Progress{}, fmt.Errorf("get broadcast: %w", err)
	}
	var b broadcast.Broadcast
	if err := json.Unmarshal([]byte(meta.Val()), &b); err != nil {
		return broadcast.Broadcast{}, broadcast.Progress{}, fmt.Errorf("decode broadcast: %w", err)
	}
	h := prog.Val()
	n := func(f string) int { v, _ := strconv.Atoi(h[f]); return v }
	p := broadcast.Progress{Total: n("total"), Claimed: n("claimed"), Sent: n("sent"), Failed: n("failed"), Skipped: n("skipped")}
	if ms, err := strconv.ParseInt(h["done_at"], 10, 64); err == nil {
		p.DoneAt = time.UnixMilli(ms).UTC()
	}
	return b, p, nil
}

// ActiveBroadcasts lists broadcasts not known done, oldest first.
func (s *Store) ActiveBroadcasts(ctx context.Context) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.bcActiveKey(), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("active broadcasts: %w", err)
	}
	return ids, nil
}

// RetireBroadcast takes a broadcast off the active list.
func (s *Store) RetireBroadcast(ctx context.Context, id string) error {
	if err := s.rdb.ZRem(ctx, s.bcActiveKey(), id).Err(); err != nil {
		return fmt.Errorf("retire broadcast: %w", err)
	}
	return nil
}

// bcClaimScript hands out the next recipient: a given-back index first,
// else the cursor's. KEYS progress, rcpt, claims, returned; ARGV lease end
// (Unix ms). It returns {index, recipient JSON}, or nil when none is left.
var bcClaimScript = redis.NewScript(`
local i = redis.call('LPOP', KEYS[4])
if not i then
  local nxt = tonumber(redis.call('HGET', KEYS[1], 'next') or '0')
  local total = tonumber(redis.call('HGET', KEYS[1], 'total') or '0')
  if nxt >= total then return false end
  i = tostring(nxt)
  redis.call('HSET', KEYS[1], 'next', nxt + 1)
end
redis.call('HINCRBY', KEYS[1], 'claimed', 1)
redis.call('ZADD', KEYS[3], ARGV[1], i)
return {i, redis.call('LINDEX', KEYS[2], tonumber(i))}
`)

// ClaimRecipient hands the next unclaimed recipient of broadcast id to
// exactly one caller, leased until leaseUntil.
func (s *Store) ClaimRecipient(ctx context.Context, id string, leaseUntil time.Time) (broadcast.Claim, bool, error) {
	keys := []string{s.bcProgressKey(id), s.bcRcptKey(id), s.bcClaimsKey(id), s.bcReturnedKey(id)}
	v, err := bcClaimScript.Run(ctx, s.rdb, keys, leaseUntil.UnixMilli()).StringSlice()
	if errors.Is(err, redis.Nil) {
		return broadcast.Claim{}, false, nil
	}
	if err != nil {
		return broadcast.Claim{}, false, fmt.Errorf("claim recipient: %w", err)
	}
	return decodeClaim(v[0], v[1])
}

func decodeClaim(index, raw string) (broadcast.Claim, bool, error) {
	i, err := strconv.Atoi(index)
	if err != nil {
		return broadcast.Claim{}, false, fmt.Errorf("claim recipient: index %q", index)
	}
	c := broadcast.Claim{Index: i}
	if err := json.Unmarshal([]byte(raw), &c.Recipient); err != nil {
		return broadcast.Claim{}, false, fmt.Errorf("decode recipient %d: %w", i, err)
	}
	return c, true, nil
}

// bcSettleScript counts a claim's outcome once. KEYS progress, claims, rcpt;
// ARGV index, outcome field, now (Unix ms), recipient retention (ms). It
// returns {counted, done}.
var bcSettleScript = redis.NewScript(`
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return {0, 0} end
redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
local v = redis.call('HMGET', KEYS[1], 'total', 'sent', 'failed', 'skipped', 'done_at')
local settled = tonumber(v[2] or '0') + tonumber(v[3] or '0') + tonumber(v[4] or '0')
if settled >= tonumber(v[1] or '0') and not v[5] then
  redis.call('HSET', KEYS[1], 'done_at', ARGV[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[4])
  return {1, 1}
end
return {1, 0}
`)

// SettleRecipient records the outcome of claim index, once.
func (s *Store) SettleRecipient(ctx context.Context, id string, index int, o broadcast.Outcome, now time.Time) (counted, done bool, err error) {
	switch o {
	case broadcast.Sent, broadcast.Failed, broadcast.Skipped:
	default:
		return false, false, fmt.Errorf("settle recipient: unknown outcome %q", o)
	}
	keys := []string{s.bcProgressKey(id), s.bcClaimsKey(id), s.bcRcptKey(id)}
	v, err := bcSettleScript.Run(ctx, s.rdb, keys, index, string(o), now.UnixMilli(), recipientRetain.Milliseconds()).Int64Slice()
	if err != nil {
		return false, false, fmt.Errorf("settle recipient: %w", err)
	}
	return v[0] == 1, v[1] == 1, nil
}

// bcReleaseScript gives a claim back unsent. KEYS claims, returned,
// progress; ARGV index. Returns 1 when it was still claimed.
var bcReleaseScript = redis.NewScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('HINCRBY', KEYS[3], 'claimed', -1)
return 1
`)

// ReleaseRecipient gives back a claim whose text was not sent; the next
// claim takes it. A claim already settled or released is left alone.
func (s *Store) ReleaseRecipient(ctx context.Context, id string, index int) error {
	keys := []string{s.bcClaimsKey(id), s.bcReturnedKey(id), s.bcProgressKey(id)}
	if err := bcReleaseScript.Run(ctx, s.rdb, keys, index).Err(); err != nil {
		return fmt.Errorf("release recipient: %w", err)
	}
	return nil
}

// ExpiredClaims lists at most limit claims of broadcast id whose lease
// ended before now.
func (s *Store) ExpiredClaims(ctx context.Context, id string, now time.Time, limit int) ([]broadcast.Claim, error) {
	idx, err := s.rdb.ZRangeByScore(ctx, s.bcClaimsKey(id), &redis.ZRangeBy{
		Min: "-inf", Max: "(" + strconv.FormatInt(now.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("expired claims: %w", err)
	}
	if len(idx) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.StringCmd, len(idx))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, ix := range idx {
			n, _ := strconv.ParseInt(ix, 10, 64)
			cmds[i] = p.LIndex(ctx, s.bcRcptKey(id), n)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("expired claims: %w", err)
	}
	out := make([]broadcast.Claim, 0, len(idx))
	for i, ix := range idx {
		c, _, err := decodeClaim(ix, cmds[i].Val())
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// bcThrottleScript reserves send slots one interval apart, on Redis's own
// clock so replicas with skewed clocks share one pace (GCRA without
// burst). KEYS bucket; ARGV interval (µs). It returns the µs from now to
// the reserved slot: 0 when the caller may send at once.
var bcThrottleScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', tat + interval), 'PX', math.ceil((tat + interval - now) / 1000) + 1000)
return math.ceil(tat - now)
`)

// ReserveSend reserves the next send slot of bucket, whose slots are
// interval apart, and returns how long until it. Every call gets a slot of
// its own in one round trip, so any number of senders in any number of
// replicas keep the pace without polling.
func (s *Store) ReserveSend(ctx context.Context, bucket string, interval time.Duration) (time.Duration, error) {
	us := max(1, interval.Microseconds())
	wait, err := bcThrottleScript.Run(ctx, s.rdb, []string{s.throttleKey(bucket)}, us).Int64()
	if err != nil {
		return 0, fmt.Errorf("reserve send: %w", err)
	}
	return time.Duration(wait) * time.Microsecond, nil
}
