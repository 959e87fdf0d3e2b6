package kafka

import (
	"context"
	"fmt"
)

// Intend records a store's write-ahead intent in the outbox (see
// eventlog.Log.Intend), durably, beside the replies it guards.
func (l *Log) Intend(ctx context.Context, key string, version int) error {
	if err := l.outbox.Intend(ctx, key, version); err != nil {
		return fmt.Errorf("kafkalog: %w", err)
	}
	return nil
}

// Intended returns the version Intend recorded for key.
func (l *Log) Intended(ctx context.Context, key string) (int, bool, error) {
	v, found, err := l.outbox.Intended(ctx, key)
	if err != nil {
		return 0, false, fmt.Errorf("kafkalog: %w", err)
	}
	return v, found, nil
}
