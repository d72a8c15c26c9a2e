package store

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// batchScript applies a batch of writes only if every guard still holds,
// all in one script run, so a state change is all or nothing.
//
// ARGV[1] is the number of guards; then come guards and writes, four ARGV
// each: op, index into KEYS, a, b. It returns 0 when everything was
// written, or the 1-based number of the first guard that failed (nothing
// written). Every op name is checked before the first write, so a bad
// batch cannot be half applied.
//
// The script never builds a key name: Go computes them all and passes them
// in KEYS, which is what Redis Cluster requires. Values it compares are the
// exact strings Go read, so JSON is encoded and decoded in Go only (no
// cjson differences between Redis and miniredis).
var batchScript = redis.NewScript(`
local guards = {eq = true, absent = true, exists = true, zhas = true, lindex = true}
local writes = {set = true, del = true, zadd = true, zrem = true, sadd = true, srem = true, lset = true, rpush = true}
local ng = tonumber(ARGV[1])
local n = math.floor((#ARGV - 1) / 4)
for j = 0, n - 1 do
  local op = ARGV[2 + j * 4]
  local known
  if j < ng then known = guards[op] else known = writes[op] end
  if not known then return redis.error_reply('batch: unknown op ' .. tostring(op)) end
end
for j = 0, n - 1 do
  local i = 2 + j * 4
  local op, k, a, b = ARGV[i], KEYS[tonumber(ARGV[i + 1])], ARGV[i + 2], ARGV[i + 3]
  if j < ng then
    local ok
    if op == 'eq' then ok = redis.call('GET', k) == a
    elseif op == 'absent' then ok = redis.call('EXISTS', k) == 0
    elseif op == 'exists' then ok = redis.call('EXISTS', k) == 1
    elseif op == 'zhas' then ok = redis.call('ZSCORE', k, a) ~= false
    elseif op == 'lindex' then ok = redis.call('LINDEX', k, a) == b
    end
    if not ok then return j + 1 end
  else
    if op == 'set' then redis.call('SET', k, a)
    elseif op == 'del' then redis.call('DEL', k)
    elseif op == 'zadd' then redis.call('ZADD', k, a, b)
    elseif op == 'zrem' then redis.call('ZREM', k, a)
    elseif op == 'sadd' then redis.call('SADD', k, a)
    elseif op == 'srem' then redis.call('SREM', k, a)
    elseif op == 'lset' then redis.call('LSET', k, a, b)
    elseif op == 'rpush' then redis.call('RPUSH', k, a)
    end
  end
end
return 0
`)

// batch collects guards and writes for batchScript. All its keys must
// share one hash tag.
type batch struct {
	keys   []string
	index  map[string]int
	guards []any
	errs   []error // what each guard's failure means
	writes []any
}

func (b *batch) key(k string) int {
	if b.index == nil {
		b.index = map[string]int{}
	}
	if i, ok := b.index[k]; ok {
		return i
	}
	b.keys = append(b.keys, k)
	b.index[k] = len(b.keys)
	return len(b.keys)
}

func (b *batch) guard(fail error, op, key, a, c string) {
	b.guards = append(b.guards, op, b.key(key), a, c)
	b.errs = append(b.errs, fail)
}

func (b *batch) write(op, key, a, c string) {
	b.writes = append(b.writes, op, b.key(key), a, c)
}

// Guards: each names the error the batch returns when it fails.

func (b *batch) expect(fail error, key, val string)  { b.guard(fail, "eq", key, val, "") }
func (b *batch) absent(fail error, key string)       { b.guard(fail, "absent", key, "", "") }
func (b *batch) exists(fail error, key string)       { b.guard(fail, "exists", key, "", "") }
func (b *batch) zhas(fail error, key, member string) { b.guard(fail, "zhas", key, member, "") }
func (b *batch) lindex(fail error, key string, i int64, val string) {
	b.guard(fail, "lindex", key, fmt.Sprint(i), val)
}

// Writes, applied in order once every guard held.

func (b *batch) set(key, val string)                  { b.write("set", key, val, "") }
func (b *batch) del(key string)                       { b.write("del", key, "", "") }
func (b *batch) zadd(key, score, member string)       { b.write("zadd", key, score, member) }
func (b *batch) zrem(key, member string)              { b.write("zrem", key, member, "") }
func (b *batch) sadd(key, member string)              { b.write("sadd", key, member, "") }
func (b *batch) srem(key, member string)              { b.write("srem", key, member, "") }
func (b *batch) lset(key string, i int64, val string) { b.write("lset", key, fmt.Sprint(i), val) }
func (b *batch) rpush(key, val string)                { b.write("rpush", key, val, "") }

// commit runs the batch. It returns nil when everything was written, or
// the error of the first failed guard.
func (s *Store) commit(ctx context.Context, b *batch) error {
	args := make([]any, 0, 1+len(b.guards)+len(b.writes))
	args = append(args, len(b.errs))
	args = append(args, b.guards...)
	args = append(args, b.writes...)
	n, err := batchScript.Run(ctx, s.rdb, b.keys, args...).Int()
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if n < 1 || n > len(b.errs) {
		return fmt.Errorf("batch script returned %d", n)
	}
	return b.errs[n-1]
}
