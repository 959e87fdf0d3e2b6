package bolt

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

// Reseal re-seals every stored version under the ring's current key, the
// step between adding a key (Keyring.Rotate) and retiring the old one. The
// result maps each version key ("<path>#v<n>") to nil or to why it could not
// be re-sealed (such a value is left as it was). The error is for failures
// of the whole run; all work is one transaction, so a failed run changes
// nothing.
func (s *Store) Reseal(ctx context.Context) (map[string]error, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore reseal: %w: %w", handlers.ErrUnavailable, err)
	}
	results := map[string]error{}
	current := s.ring.CurrentID()
	err := s.db.Update(func(tx *bolt.Tx) error {
		versions := tx.Bucket(versionsBucket)
		// Collect first: bbolt cursors must not run across Puts.
		var keys [][]byte
		if err := versions.ForEach(func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("%w: %w", handlers.ErrUnavailable, err)
			}
			results[string(k)] = s.reseal(versions, k, current)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore reseal: %w", dbErr(err))
	}
	return results, nil
}

// reseal re-seals one value unless it is already under the current key.
func (s *Store) reseal(versions *bolt.Bucket, key []byte, current uint32) error {
	sealed := versions.Get(key)
	if id, err := s.ring.KeyID(sealed); err != nil {
		return err
	} else if id == current {
		return nil
	}
	plain, err := s.ring.Open(sealed, key)
	if err != nil {
		return err
	}
	fresh, err := s.ring.Seal(plain, key)
	clear(plain)
	if err != nil {
		return err
	}
	return versions.Put(key, fresh)
}
