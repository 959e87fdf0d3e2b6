package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// An intent is a write-ahead record for a store that cannot keep a marker
// of the command with its write (Vault): before the write, the store
// records which version the command's write will create; a command run
// again after a crash reads it back to recognise its own earlier write.
// Intents share the log's group commit and are pruned with the replies.
type intentRec struct {
	key     string
	version int
}

// Intend durably records that the change named by key will produce version.
func (l *Log) Intend(ctx context.Context, key string, version int) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("eventlog: intend: %w", err)
	}
	if l.readOnly {
		return errors.New("eventlog: intend: the log is open read-only")
	}
	if key == "" || version < 0 {
		return fmt.Errorf("eventlog: intend: empty key or negative version %d", version)
	}
	req := commitReq{intent: &intentRec{key: key, version: version}, at: time.Now(), done: make(chan commitRes, 1)}
	if err := l.submit(req).err; err != nil {
		return fmt.Errorf("eventlog: intend: %w", err)
	}
	return nil
}

// Intended returns the version Intend recorded for key.
func (l *Log) Intended(ctx context.Context, key string) (int, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, fmt.Errorf("eventlog: intended: %w", err)
	}
	var (
		version int
		found   bool
	)
	err := l.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketIntents)
		if b == nil {
			return nil
		}
		v := b.Get([]byte(key))
		if v == nil {
			return nil
		}
		if len(v) != 16 {
			return fmt.Errorf("stored intent is %d bytes, want 16", len(v))
		}
		version, found = int(binary.BigEndian.Uint64(v[8:])), true
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("eventlog: intended: %w", err)
	}
	return version, found, nil
}

func encodeIntent(at time.Time, version int) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 16), uint64(at.UnixNano()))
	return binary.BigEndian.AppendUint64(b, uint64(version))
}
