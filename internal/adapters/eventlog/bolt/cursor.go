package bolt

import (
	"encoding/binary"
	"fmt"

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

// SetCursor stores pos under name.
func (l *Log) SetCursor(name string, pos uint64) error {
	if l.readOnly {
		return fmt.Errorf("eventlog: set cursor %s: the log is open read-only", name)
	}
	err := l.db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketCursors)
		if err != nil {
			return err
		}
		return b.Put([]byte(name), binary.BigEndian.AppendUint64(nil, pos))
	})
	if err != nil {
		return fmt.Errorf("eventlog: set cursor %s: %w", name, err)
	}
	return nil
}
