package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"clinicsms/dialogue"
)

// Appointments by start time, and reminder claims.
//
//	P:{sched}:starts                          zset    every appointment id, score start (Unix ms)
//	P:{sched}:remind:<id>:<start ms>:<lead s>  string  "held:<token>" (lease, PX) or "done:<outcome>"
//	P:{sched}:remind:<id>:<start ms>:<lead s>:fails  counter of failed sends
//
// The starts index is written in the same batch as the appointment record
// by every write that creates an appointment or changes its start
// (PutAppointment, Move, Book), so it never disagrees with the records.
// Appointments are never deleted, so neither are index entries.
//
// A reminder is named by its appointment, the appointment's start and the
// lead time: when the clinic moves an appointment to another time its
// reminders go out again for the new time, while a status change
// (confirmed, cancelled) keeps the same reminders. Reminder keys expire
// reminderRetain after the appointment starts.

// reminderRetain is how long after an appointment's start its reminder
// marks are kept, so a late tick still finds them done.
const reminderRetain = 48 * time.Hour

func (s *Store) startsKey() string { return s.schedKey("starts") }

func (s *Store) reminderKey(a dialogue.Appointment, lead time.Duration) string {
	return s.schedKey("remind", a.ID, strconv.FormatInt(a.Start.UnixMilli(), 10), strconv.FormatInt(int64(lead/time.Second), 10))
}

// AppointmentsBetween returns the appointments whose start is in
// [from, to), earliest first (ties by id), whatever their status.
func (s *Store) AppointmentsBetween(ctx context.Context, from, to time.Time) ([]dialogue.Appointment, error) {
	if !from.Before(to) {
		return nil, nil
	}
	// Scores are whole milliseconds; read the inclusive millisecond range
	// and cut exactly in Go.
	ids, err := s.rdb.ZRangeByScore(ctx, s.startsKey(), &redis.ZRangeBy{Min: score(from), Max: score(to)}).Result()
	if err != nil {
		return nil, fmt.Errorf("appointments between: %w", err)
	}
	as, err := s.appointments(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("appointments between: %w", err)
	}
	out := as[:0]
	for _, a := range as {
		if !a.Start.Before(from) && a.Start.Before(to) {
			out = append(out, a)
		}
	}
	return out, nil
}

// reminderClaimScript: KEYS[1] the reminder mark, KEYS[2] its failure
// counter; ARGV token, lease (ms). It returns {1, failures so far} when
// the caller now holds the lease, or {0, mark} when the reminder is held
// by someone else or done.
var reminderClaimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v then return {0, v} end
redis.call('SET', KEYS[1], 'held:' .. ARGV[1], 'PX', ARGV[2])
return {1, tonumber(redis.call('GET', KEYS[2]) or '0')}
`)

// reminderSettleScript: KEYS[1] the reminder mark, KEYS[2] its failure
// counter; ARGV token, new value ("" to delete), expire at (Unix ms), "1"
// to count a failure. Only the holder of the lease may settle it; returns
// 1 when it did, 0 when the lease was lost.
var reminderSettleScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= 'held:' .. ARGV[1] then return 0 end
if ARGV[4] == '1' then
  redis.call('INCR', KEYS[2])
  redis.call('PEXPIREAT', KEYS[2], ARGV[3])
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2])
  redis.call('PEXPIREAT', KEYS[1], ARGV[3])
end
return 1
`)

// ErrLeaseLost is returned by FinishReminder and ReleaseReminder when the
// caller's lease expired and someone else may have taken the reminder over.
var ErrLeaseLost = errors.New("reminder lease lost")

// ClaimReminder takes the reminder of appointment a for lead time lead,
// for at most lease: of any number of callers, in any number of
// processes, one gets a non-empty token and the others "". failures is
// how many sends of it failed before (ReleaseReminder with failed), so a
// caller can give up after a few. A claim that is neither finished nor
// released (its holder died mid-send) lapses after lease and may then be
// taken over: a reminder is sent at least once while its sender can crash
// between the provider's answer and FinishReminder, and never again once
// finished.
func (s *Store) ClaimReminder(ctx context.Context, a dialogue.Appointment, lead, lease time.Duration) (token string, failures int, err error) {
	if lease < time.Millisecond {
		return "", 0, errors.New("claim reminder: lease under 1 ms")
	}
	key := s.reminderKey(a, lead)
	tok := randomHex(8)
	res, err := reminderClaimScript.Run(ctx, s.rdb, []string{key, key + ":fails"}, tok, lease.Milliseconds()).Slice()
	if err != nil {
		return "", 0, fmt.Errorf("claim reminder: %w", err)
	}
	if len(res) != 2 {
		return "", 0, fmt.Errorf("claim reminder: script returned %v", res)
	}
	if ok, _ := res[0].(int64); ok != 1 {
		return "", 0, nil
	}
	n, _ := res[1].(int64)
	return tok, int(n), nil
}

// FinishReminder marks the reminder held with token done for good, with a
// short outcome word ("sent", "opted_out", ...). ErrLeaseLost when the
// lease had lapsed.
func (s *Store) FinishReminder(ctx context.Context, a dialogue.Appointment, lead time.Duration, token, outcome string) error {
	if outcome == "" || strings.ContainsAny(outcome, ":") {
		return fmt.Errorf("finish reminder: bad outcome %q", outcome)
	}
	return s.settleReminder(ctx, "finish reminder", a, lead, token, "done:"+outcome, false)
}

// ReleaseReminder gives the reminder held with token back, so a later
// claim may try again; failed counts a failed send (later claims report
// it), as opposed to a try that never reached the provider (a busy
// conversation lock). ErrLeaseLost when the lease had lapsed.
func (s *Store) ReleaseReminder(ctx context.Context, a dialogue.Appointment, lead time.Duration, token string, failed bool) error {
	return s.settleReminder(ctx, "release reminder", a, lead, token, "", failed)
}

func (s *Store) settleReminder(ctx context.Context, op string, a dialogue.Appointment, lead time.Duration, token, val string, failed bool) error {
	if token == "" {
		return fmt.Errorf("%s: empty token", op)
	}
	count := "0"
	if failed {
		count = "1"
	}
	key := s.reminderKey(a, lead)
	ok, err := reminderSettleScript.Run(ctx, s.rdb, []string{key, key + ":fails"}, token, val, s.reminderExpiry(a), count).Int()
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if ok != 1 {
		return fmt.Errorf("%s: %w", op, ErrLeaseLost)
	}
	return nil
}

// RemindersDone reports, for each appointment in as, whether its reminder
// for lead is finished (in one round trip). A held or never claimed
// reminder is not done.
func (s *Store) RemindersDone(ctx context.Context, as []dialogue.Appointment, lead time.Duration) ([]bool, error) {
	if len(as) == 0 {
		return nil, nil
	}
	keys := make([]string, len(as))
	for i, a := range as {
		keys[i] = s.reminderKey(a, lead)
	}
	vals, err := s.rdb.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("reminders done: %w", err)
	}
	out := make([]bool, len(as))
	for i, v := range vals {
		str, _ := v.(string)
		out[i] = strings.HasPrefix(str, "done:")
	}
	return out, nil
}

// ReminderOutcome returns the outcome FinishReminder recorded for the
// reminder, or "" when it is not done.
func (s *Store) ReminderOutcome(ctx context.Context, a dialogue.Appointment, lead time.Duration) (string, error) {
	v, err := s.rdb.Get(ctx, s.reminderKey(a, lead)).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reminder outcome: %w", err)
	}
	outcome, ok := strings.CutPrefix(v, "done:")
	if !ok {
		return "", nil
	}
	return outcome, nil
}

// reminderExpiry is when a reminder's marks expire (Unix ms), never in
// the past, so a mark written late still lives a while.
func (s *Store) reminderExpiry(a dialogue.Appointment) int64 {
	exp := a.Start.Add(reminderRetain)
	if min := s.now().Add(reminderRetain); exp.Before(min) {
		exp = min
	}
	return exp.UnixMilli()
}
