package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// offeredTTL is how long a slot remembers whom it was offered to: a
// declined or expired offer never comes back to the same appointment.
const offeredTTL = 60 * 24 * time.Hour

func (s *Store) offeredKey(slotID string) string { return s.schedKey("offered", slotID) }
func (s *Store) offerDueKey() string             { return s.schedKey("offerdue") }

// RecordOffers notes that slotID was offered to apptIDs and that this batch
// of offers expires at expires (then the next batch may go out).
func (s *Store) RecordOffers(ctx context.Context, slotID string, apptIDs []string, expires time.Time) error {
	if len(apptIDs) == 0 {
		return nil
	}
	members := make([]any, len(apptIDs))
	for i, id := range apptIDs {
		members[i] = id
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, s.offeredKey(slotID), members...)
		p.Expire(ctx, s.offeredKey(slotID), offeredTTL)
		p.ZAdd(ctx, s.offerDueKey(), redis.Z{Score: float64(expires.UnixMilli()), Member: slotID})
		return nil
	})
	if err != nil {
		return fmt.Errorf("record offers: %w", err)
	}
	return nil
}

// Offered returns the appointment ids slotID has ever been offered to.
func (s *Store) Offered(ctx context.Context, slotID string) (map[string]bool, error) {
	ids, err := s.rdb.SMembers(ctx, s.offeredKey(slotID)).Result()
	if err != nil {
		return nil, fmt.Errorf("offered: %w", err)
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// TakeDueOffers returns the slots whose offer batch expired by now and
// removes them from the schedule of expiries. Each slot is returned to
// exactly one caller however many processes sweep at once (ZREM decides).
func (s *Store) TakeDueOffers(ctx context.Context, now time.Time) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.offerDueKey(), &redis.ZRangeBy{Min: "-inf", Max: score(now)}).Result()
	if err != nil {
		return nil, fmt.Errorf("due offers: %w", err)
	}
	var mine []string
	for _, id := range ids {
		n, err := s.rdb.ZRem(ctx, s.offerDueKey(), id).Result()
		if err != nil {
			return mine, fmt.Errorf("take due offer: %w", err)
		}
		if n == 1 {
			mine = append(mine, id)
		}
	}
	return mine, nil
}

// ClearOffers stops expiry handling for slotID (it was taken).
func (s *Store) ClearOffers(ctx context.Context, slotID string) error {
	if err := s.rdb.ZRem(ctx, s.offerDueKey(), slotID).Err(); err != nil {
		return fmt.Errorf("clear offers: %w", err)
	}
	return nil
}
