package bolt

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

var bucketCursors = []byte("cursors")

// Cursor returns the position a reader stored under name (0 if none). A
// relay that copies this log elsewhere keeps how far it got here, in the
// same file as the events it copies.
func (l *Log) Cursor(name string) (uint64, error) {
	var pos uint64
	err := l.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketCursors); b != nil {
			if v := b.Get([]byte(name)); len(v) == 8 {
				pos = binary.BigEndian.Uint64(v)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("eventlog: cursor %s: %w", name, err)
	}
	return pos, nil
}

// cursorRec is a SetCursor waiting for the writer.
type cursorRec struct {
	name string
	pos  uint64
}

// SetCursor stores pos under name, durable on return. It joins the
// writer's next group commit rather than taking a transaction and an
// fdatasync of its own: a relay's position costs a busy log no sync.
func (l *Log) SetCursor(name string, pos uint64) error {
	if l.readOnly {
		return fmt.Errorf("eventlog: set cursor %s: the log is open read-only", name)
	}
	req := commitReq{cursor: &cursorRec{name: name, pos: pos}, at: time.Now(), done: make(chan commitRes, 1)}
	if err := l.submit(req).err; err != nil {
		return fmt.Errorf("eventlog: set cursor %s: %w", name, err)
	}
	return nil
}

func putCursor(tx *bbolt.Tx, c *cursorRec) error {
	b, err := tx.CreateBucketIfNotExists(bucketCursors)
	if err != nil {
		return err
	}
	return b.Put([]byte(c.name), binary.BigEndian.AppendUint64(nil, c.pos))
}
