package bolt

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

// PruneReplies deletes replies and intents (see Intend) committed before
// olderThan and returns how many it deleted. Deduplication only needs them
// for as long as a command can be redelivered; the events themselves are
// never pruned.
func (l *Log) PruneReplies(olderThan time.Time) (int, error) {
	var n int
	err := l.db.Update(func(tx *bbolt.Tx) error {
		n = 0
		for _, name := range [][]byte{bucketReplies, bucketIntents} {
			pruned, err := pruneBucket(tx.Bucket(name), olderThan)
			if err != nil {
				return err
			}
			n += pruned
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("eventlog: prune replies: %w", err)
	}
	return n, nil
}

// pruneBucket deletes the values of b stamped (first 8 bytes) before
// olderThan.
func pruneBucket(b *bbolt.Bucket, olderThan time.Time) (int, error) {
	if b == nil {
		return 0, nil
	}
	cutoff := olderThan.UnixNano()
	var stale [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if len(v) < 8 || int64(binary.BigEndian.Uint64(v)) < cutoff {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	// Deleting while iterating would make the cursor skip keys.
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(stale), nil
}
