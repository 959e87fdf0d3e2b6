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

type rawEvent struct {
	seq     uint64
	data    []byte
	event   event.Event // when decoded: held in memory (recent)
	decoded bool
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
			if chunk, err = l.readRaw(next, n); err != nil {
				return next, fmt.Errorf("eventlog: read from %d: %w", next, err)
			}
		}
		for _, r := range chunk {
			e := r.event
			// The decoder directly: json.Unmarshal would scan every event
			// once more to validate it before calling it.
			if !r.decoded {
				e = event.New()
				if err := e.UnmarshalJSON(r.data); err != nil {
					return next, fmt.Errorf("eventlog: read %d: decode: %w", r.seq, err)
				}
			}
			if err := fn(r.seq, e); err != nil {
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

func (l *Log) readRaw(from uint64, n int) ([]rawEvent, error) {
	var out []rawEvent
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		for k, v := c.Seek(seqKey(from)); k != nil && len(out) < n; k, v = c.Next() {
			out = append(out, rawEvent{seq: binary.BigEndian.Uint64(k), data: append([]byte(nil), v...)})
		}
		return nil
	})
	return out, err
}
