package bolt

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

// readChunk bounds how many events one read transaction copies out. fn runs
// outside the transaction: a slow consumer must not hold a read transaction
// open, since that stops bbolt from growing the file under writers.
const readChunk = 512

// rawEvent is one event read: decoded, or the error decoding it gave.
type rawEvent struct {
	seq   uint64
	event event.Event
	err   error
}

// Read calls fn for each event with sequence >= from, in order, at most limit
// of them (all when limit <= 0). It returns the sequence to pass as from next
// time. An error from fn stops the read and is returned wrapped.
func (l *Log) Read(ctx context.Context, from uint64, limit int, fn func(seq uint64, e event.Event) error) (uint64, error) {
	if from == 0 {
		from = 1
	}
	next, done := from, 0
	for limit <= 0 || done < limit {
		if err := ctx.Err(); err != nil {
			return next, fmt.Errorf("eventlog: read: %w", err)
		}
		n := readChunk
		if limit > 0 && limit-done < n {
			n = limit - done
		}
		chunk := l.recent.get(next, n, nil)
		if len(chunk) == 0 {
			var err error
			if chunk, err = l.readStored(next, n); err != nil {
				return next, fmt.Errorf("eventlog: read from %d: %w", next, err)
			}
		}
		for _, r := range chunk {
			if r.err != nil {
				return next, fmt.Errorf("eventlog: read %d: decode: %w", r.seq, r.err)
			}
			if err := fn(r.seq, r.event); err != nil {
				return next, fmt.Errorf("eventlog: read %d: %w", r.seq, err)
			}
			next = r.seq + 1
		}
		done += len(chunk)
		if len(chunk) < n {
			break
		}
	}
	return next, nil
}

// readStored decodes up to n stored events from sequence from on, ending
// at the first that does not decode. It decodes straight from the mapped
// pages, inside the read transaction: the decoder copies what it keeps
// (strings and data), so nothing refers to the pages afterwards, and a
// chunk is small enough to decode without holding the transaction long.
func (l *Log) readStored(from uint64, n int) ([]rawEvent, error) {
	var (
		out []rawEvent
		d   decoder
	)
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil && len(out) < n; k, v = c.Next() {
			r := rawEvent{seq: binary.BigEndian.Uint64(k)}
			r.err = d.decode(v, &r.event)
			out = append(out, r)
			if r.err != nil {
				break
			}
		}
		return nil
	})
	return out, err
}
