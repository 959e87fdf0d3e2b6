package kafkalog

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// Reply returns the reply Commit stored for commandID, so a command
// delivered again gets the same answer without running twice.
func (l *Log) Reply(ctx context.Context, commandID string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, fmt.Errorf("kafkalog: reply: %w", err)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return nil, false, fmt.Errorf("kafkalog: reply: %w", ErrClosed)
	}
	reply, found, err := l.reply(commandID)
	if err != nil {
		return nil, false, fmt.Errorf("kafkalog: reply %q: %w", commandID, err)
	}
	return reply, found, nil
}

func (l *Log) reply(commandID string) ([]byte, bool, error) {
	var (
		reply []byte
		found bool
	)
	err := l.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketReplies).Get([]byte(commandID))
		if v == nil {
			return nil
		}
		if len(v) < 8 {
			return fmt.Errorf("stored reply is %d bytes, shorter than its timestamp", len(v))
		}
		reply, found = append([]byte{}, v[8:]...), true
		return nil
	})
	return reply, found, err
}

// PruneReplies deletes replies stored before olderThan and returns how many
// it deleted. Deduplication needs a reply only as long as its command can
// be redelivered; the events stay in the topic.
func (l *Log) PruneReplies(olderThan time.Time) (int, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return 0, fmt.Errorf("kafkalog: prune replies: %w", ErrClosed)
	}
	cutoff := olderThan.UnixNano()
	var n int
	err := l.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketReplies)
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
		// Deleting while iterating would make the iteration skip keys.
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		n = len(stale)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("kafkalog: prune replies: %w", err)
	}
	return n, nil
}
