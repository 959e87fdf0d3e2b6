package eventlog

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Reply returns the reply stored by Commit for commandID, so that a command
// delivered again (a Kafka redelivery, an HTTP retry) gets the same answer
// without running twice.
func (l *Log) Reply(ctx context.Context, commandID string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("eventlog: reply: %w", err)
	}
	var (
		reply []byte
		found bool
	)
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketReplies)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(commandID))
		if v == nil {
			return nil
		}
		if len(v) < 8 {
			return fmt.Errorf("stored reply is %d bytes, shorter than its timestamp", len(v))
		}
		reply, found = append([]byte{}, v[8:]...), true
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("eventlog: reply %q: %w", commandID, err)
	}
	return reply, found, nil
}

// PruneReplies deletes replies committed before olderThan and returns how
// many it deleted. Deduplication only needs replies for as long as a command
// can be redelivered; the events themselves are never pruned.
func (l *Log) PruneReplies(olderThan time.Time) (int, error) {
	cutoff := olderThan.UnixNano()
	var n int
	err := l.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketReplies)
		n = 0
		var stale [][]byte
		err := b.ForEach(func(k, v []byte) error {
			if len(v) < 8 || int64(binary.BigEndian.Uint64(v)) < cutoff {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Deleting while iterating would make the cursor skip keys.
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("eventlog: prune replies: %w", err)
	}
	return n, nil
}
