package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

func (s *Store) autoKey(phone string) string { return s.convKey(phone) + ":auto" }

// allowScript counts automated texts to one phone in each cap's window and,
// when every cap has room, records one more at now. KEYS[1]: the phone's
// sorted set of send times. ARGV: now, keep-after, then pairs (max, since).
var allowScript = redis.NewScript(`
local now = ARGV[1]
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
for i = 3, #ARGV, 2 do
  local max = tonumber(ARGV[i])
  local n = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[i+1], '+inf')
  if n >= max then return 0 end
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. redis.call('ZCARD', KEYS[1]))
redis.call('PEXPIRE', KEYS[1], 8 * 24 * 3600 * 1000)
return 1
`)

// AllowAutomated reports whether one more automated text may go to phone
// at now under caps, and if so counts it, atomically (one Lua script on
// the conversation's hash tag): two replicas cannot both take the last room.
func (s *Store) AllowAutomated(ctx context.Context, phone string, now time.Time, caps []dialogue.Cap) (bool, error) {
	if len(caps) == 0 {
		return true, nil
	}
	var longest time.Duration
	args := []any{score(now), ""}
	for _, c := range caps {
		if c.Per > longest {
			longest = c.Per
		}
		args = append(args, strconv.Itoa(c.Max), score(now.Add(-c.Per)))
	}
	args[1] = score(now.Add(-longest))
	n, err := allowScript.Run(ctx, s.rdb, []string{s.autoKey(phone)}, args...).Int()
	if err != nil {
		return false, fmt.Errorf("frequency cap: %w", err)
	}
	return n == 1, nil
}
