package store

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

// testClient connects to REDIS_URL when set (CI), otherwise to a
// miniredis started for the test.
func testClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	var rdb *redis.Client
	if url := os.Getenv("REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			tb.Fatalf("redis.ParseURL(REDIS_URL): %v", err)
		}
		opt.PoolSize = 100
		rdb = redis.NewClient(opt)
	} else {
		mr := miniredis.RunT(tb)
		rdb = redis.NewClient(&redis.Options{Addr: mr.Addr(), PoolSize: 100})
	}
	tb.Cleanup(func() { rdb.Close() })
	return rdb
}

// newTestStore returns a Store with a random prefix whose keys are
// deleted when the test ends.
func newTestStore(tb testing.TB) *Store {
	tb.Helper()
	rdb := testClient(tb)
	s := New(rdb, "t-"+randomHex(6))
	tb.Cleanup(func() {
		ctx := context.Background()
		keys := allKeys(tb, s)
		if len(keys) > 0 {
			if err := rdb.Del(ctx, keys...).Err(); err != nil {
				tb.Errorf("delete test keys: %v", err)
			}
		}
	})
	return s
}

// allKeys lists the store's keys (SCAN prefix*), sorted.
func allKeys(tb testing.TB, s *Store) []string {
	tb.Helper()
	ctx := context.Background()
	var keys []string
	iter := s.rdb.Scan(ctx, 0, s.prefix+":*", 500).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Fatalf("scan keys: %v", err)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// snapshot renders every key of the store and its value, to show that a
// failed operation changed nothing.
func snapshot(tb testing.TB, s *Store) map[string]string {
	tb.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, k := range allKeys(tb, s) {
		typ, err := s.rdb.Type(ctx, k).Result()
		if err != nil {
			tb.Fatalf("TYPE %s: %v", k, err)
		}
		var v any
		switch typ {
		case "string":
			v, err = s.rdb.Get(ctx, k).Result()
		case "list":
			v, err = s.rdb.LRange(ctx, k, 0, -1).Result()
		case "set":
			var m []string
			m, err = s.rdb.SMembers(ctx, k).Result()
			slices.Sort(m)
			v = m
		case "zset":
			v, err = s.rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		default:
			tb.Fatalf("unexpected type %s of %s", typ, k)
		}
		if err != nil {
			tb.Fatalf("read %s: %v", k, err)
		}
		out[k] = typ + " " + fmt.Sprint(v)
	}
	return out
}

// base is a fixed time well in the future.
var base = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

func at(hours int) time.Time { return base.Add(time.Duration(hours) * time.Hour) }

func mustPatient(tb testing.TB, s *Store, id, phone string) dialogue.Patient {
	tb.Helper()
	p := dialogue.Patient{ID: id, Phone: phone, Name: "Pat " + id, Language: "es"}
	if err := s.PutPatient(context.Background(), p); err != nil {
		tb.Fatalf("PutPatient(%s): %v", id, err)
	}
	return p
}

func mustAppt(tb testing.TB, s *Store, a dialogue.Appointment) dialogue.Appointment {
	tb.Helper()
	if a.Provider == "" {
		a.Provider = "dr-lee"
	}
	if a.Location == "" {
		a.Location = "main"
	}
	if a.Type == "" {
		a.Type = "checkup"
	}
	if a.DurationMinutes == 0 {
		a.DurationMinutes = 30
	}
	if err := s.PutAppointment(context.Background(), a); err != nil {
		tb.Fatalf("PutAppointment(%s): %v", a.ID, err)
	}
	got, err := s.Appointment(context.Background(), a.ID)
	if err != nil {
		tb.Fatalf("Appointment(%s): %v", a.ID, err)
	}
	return got
}

func mustSlot(tb testing.TB, s *Store, sl dialogue.Slot) dialogue.Slot {
	tb.Helper()
	if sl.Provider == "" {
		sl.Provider = "dr-lee"
	}
	if sl.Location == "" {
		sl.Location = "main"
	}
	if sl.Type == "" {
		sl.Type = "checkup"
	}
	if sl.DurationMinutes == 0 {
		sl.DurationMinutes = 30
	}
	if err := s.PutSlot(context.Background(), sl); err != nil {
		tb.Fatalf("PutSlot(%s): %v", sl.ID, err)
	}
	return sl
}

// hashTag returns the part of key Redis Cluster hashes: the text between
// the first '{' and the next '}', or the whole key.
func hashTag(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			return key[i+1 : i+1+j]
		}
	}
	return key
}

// slotChecker is a go-redis hook that records every multi-key command
// (scripts, MGET) whose keys would land in different cluster slots.
type slotChecker struct {
	mu     sync.Mutex
	bad    []string
	checks int
}

func (c *slotChecker) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *slotChecker) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.check(cmd)
		return next(ctx, cmd)
	}
}

func (c *slotChecker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.check(cmd)
		}
		return next(ctx, cmds)
	}
}

func (c *slotChecker) check(cmd redis.Cmder) {
	args := cmd.Args()
	var keys []any
	switch cmd.Name() {
	case "eval", "evalsha":
		n, _ := args[2].(int)
		keys = args[3 : 3+n]
	case "mget":
		keys = args[1:]
	default:
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.checks++
	for _, k := range keys {
		if hashTag(fmt.Sprint(k)) != hashTag(fmt.Sprint(keys[0])) {
			c.bad = append(c.bad, fmt.Sprint(args[:3+len(keys)]))
			return
		}
	}
}
