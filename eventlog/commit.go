package eventlog

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

// ErrDuplicateCommand is returned by Commit when a reply is already stored
// for the command id: the command ran before, nothing was written, and the
// caller should answer with the stored Reply instead. Checking inside the
// transaction closes the race between two deliveries of one command.
var ErrDuplicateCommand = errors.New("eventlog: duplicate command")

// Commit appends evs and, when commandID is not empty, stores reply under
// commandID, in one transaction: either all of it is durable or none. It
// returns the sequence of the last event appended (Last() when evs is empty).
// Concurrent calls are grouped into one transaction by bbolt's Batch.
func (l *Log) Commit(ctx context.Context, commandID string, evs []event.Event, reply []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("eventlog: commit: %w", err)
	}
	encoded := make([][]byte, len(evs))
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			return 0, fmt.Errorf("eventlog: commit: event %d (%s): %w", i, e.ID(), err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			return 0, fmt.Errorf("eventlog: commit: event %d (%s): %w", i, e.ID(), err)
		}
		encoded[i] = b
	}
	if commandID == "" && len(encoded) == 0 {
		return l.Last(), nil
	}
	var (
		last uint64
		dup  bool
	)
	now := time.Now()
	// Batch may run this function more than once (alone, after a failed
	// batch), so every result is recomputed from the transaction's state.
	err := l.db.Batch(func(tx *bbolt.Tx) error {
		dup = false
		replies, events := tx.Bucket(bucketReplies), tx.Bucket(bucketEvents)
		if commandID != "" && replies.Get([]byte(commandID)) != nil {
			dup = true
			return nil
		}
		last = events.Sequence()
		for _, b := range encoded {
			seq, err := events.NextSequence()
			if err != nil {
				return err
			}
			if err := events.Put(seqKey(seq), b); err != nil {
				return err
			}
			last = seq
		}
		if commandID == "" {
			return nil
		}
		return replies.Put([]byte(commandID), encodeReply(now, reply))
	})
	if err != nil {
		return 0, fmt.Errorf("eventlog: commit: %w", err)
	}
	if dup {
		return 0, fmt.Errorf("eventlog: commit %q: %w", commandID, ErrDuplicateCommand)
	}
	l.advance(last)
	return last, nil
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

func encodeReply(at time.Time, reply []byte) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(reply)), uint64(at.UnixNano()))
	return append(b, reply...)
}
