package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// appliedBucket records, per command, the writes it made, in the same
// transaction as the writes themselves: a command run again after a crash
// (before its events and reply were committed) finds its write here and
// gets the same result without writing again. Keys are
// "<command id>\x00<op>\x00<path>"; values the time applied (8 bytes) and
// the result (the write's metadata as JSON, empty for a destroy).
var appliedBucket = []byte("applied")

// Operations recorded in appliedBucket.
const (
	opWrite   = "write"
	opDestroy = "destroy"
)

func appliedKey(ctx context.Context, op string, p secretpath.Path) []byte {
	id := handlers.CommandID(ctx)
	if id == "" {
		return nil
	}
	return []byte(id + "\x00" + op + "\x00" + p.String())
}

// applied returns the result recorded under key; ok is false when the
// command has not made this change (or key is nil: no command).
func applied(tx *bolt.Tx, key []byte) (result []byte, ok bool) {
	if key == nil {
		return nil, false
	}
	v := tx.Bucket(appliedBucket).Get(key)
	if len(v) < 8 {
		return nil, false
	}
	return v[8:], true
}

func (s *Store) recordApplied(tx *bolt.Tx, key []byte, result []byte) error {
	if key == nil {
		return nil
	}
	v := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(result)), uint64(s.opts.Now().UnixNano()))
	return tx.Bucket(appliedBucket).Put(key, append(v, result...))
}

// appliedWrite is the metadata a write of this command returned, if it
// made one.
func appliedWrite(tx *bolt.Tx, key []byte) (handlers.SecretMetadata, bool, error) {
	raw, ok := applied(tx, key)
	if !ok {
		return handlers.SecretMetadata{}, false, nil
	}
	var meta handlers.SecretMetadata
	if err := json.Unmarshal(raw, &meta); err != nil {
		return meta, false, fmt.Errorf("decode applied write: %w", err)
	}
	return meta, true, nil
}

// PruneApplied forgets the changes recorded before olderThan and returns
// how many it forgot. A record is needed only as long as its command can
// be redelivered without a stored reply: keep them as long as replies.
func (s *Store) PruneApplied(olderThan time.Time) (int, error) {
	cutoff := olderThan.UnixNano()
	var n int
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(appliedBucket)
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
		return 0, fmt.Errorf("boltstore prune applied: %w", dbErr(err))
	}
	return n, nil
}
