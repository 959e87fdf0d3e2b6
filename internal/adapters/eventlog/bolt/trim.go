package bolt

import (
	"encoding/binary"
	"fmt"

	"go.etcd.io/bbolt"
)

// trimBatch bounds the events one trim transaction deletes, so a large
// backlog never holds the write lock long.
const trimBatch = 4096

// TrimThrough deletes the events with sequence <= seq and returns how many
// it deleted. Only a log used as an outbox may be trimmed (its events live
// on in the Kafka topic once relayed); the embedded deployment's log is the
// record projections are replayed from and is never trimmed. Sequences keep
// counting: Last and new commits are unaffected.
func (l *Log) TrimThrough(seq uint64) (int, error) {
	if l.readOnly {
		return 0, fmt.Errorf("eventlog: trim: the log is open read-only")
	}
	// Readers must not be handed events trimmed: forget what is held.
	defer l.recent.reset()
	total := 0
	for {
		n := 0
		err := l.db.Update(func(tx *bbolt.Tx) error {
			c := tx.Bucket(bucketEvents).Cursor()
			for k, _ := c.First(); k != nil && decodeSeqKey(k) <= seq && n < trimBatch; k, _ = c.Next() {
				if err := c.Delete(); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		total += n
		if err != nil {
			return total, fmt.Errorf("eventlog: trim through %d: %w", seq, err)
		}
		if n < trimBatch {
			return total, nil
		}
	}
}

func decodeSeqKey(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// DeleteEvents deletes the events with the given sequences (any order;
// absent ones are skipped) and returns how many it deleted. It is for
// compaction: dropping events a replay of the projections no longer needs
// (see the app's event compactor), only ever behind every reader of the
// log. Sequences keep counting, and Read passes over the holes.
func (l *Log) DeleteEvents(seqs []uint64) (int, error) {
	if l.readOnly {
		return 0, fmt.Errorf("eventlog: delete events: the log is open read-only")
	}
	if len(seqs) == 0 {
		return 0, nil
	}
	// Readers must not be handed events deleted: forget what is held.
	defer l.recent.reset()
	total := 0
	for rest := seqs; len(rest) > 0; {
		chunk := rest[:min(len(rest), trimBatch)]
		rest = rest[len(chunk):]
		n := 0
		err := l.db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketEvents)
			for _, seq := range chunk {
				k := seqKey(seq)
				if b.Get(k) == nil {
					continue
				}
				if err := b.Delete(k); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("eventlog: delete events: %w", err)
		}
		total += n
	}
	return total, nil
}
