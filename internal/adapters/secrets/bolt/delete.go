package bolt

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Delete soft-deletes versions of p (none given: the current one) by
// stamping their deletion time. The sealed data stays, as in KV v2, so a
// later undelete can bring it back. Versions unknown, already deleted or
// destroyed are left alone.
func (s *Store) Delete(ctx context.Context, c handlers.Caller, p secretpath.Path, versions ...int) error {
	if err := guard(ctx, c, p); err != nil {
		return handlers.OpErr("boltstore delete", err)
	}
	op := "boltstore delete " + p.String()
	for _, v := range versions {
		if v <= 0 {
			return handlers.OpErr(op, fmt.Errorf("%w: version %d is not positive", handlers.ErrInvalid, v))
		}
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		meta, ok, err := loadMeta(tx, p)
		if err != nil {
			return err
		}
		if !ok {
			return handlers.ErrNotFound
		}
		if len(versions) == 0 {
			versions = []int{meta.CurrentVersion}
		}
		now := s.now()
		for _, v := range versions {
			vm, ok := meta.Versions[v]
			if !ok || vm.Destroyed || !vm.DeletionTime.IsZero() {
				continue
			}
			vm.DeletionTime = now
			meta.Versions[v] = vm
		}
		return putMeta(tx, p, meta)
	})
	if err != nil {
		return handlers.OpErr(op, dbErr(err))
	}
	return nil
}

// Destroy removes p's metadata and every stored version for good. Like
// Write, it is recorded with its command: the same command destroying p
// again succeeds without a second effect rather than finding p gone.
func (s *Store) Destroy(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	if err := guard(ctx, c, p); err != nil {
		return handlers.OpErr("boltstore destroy", err)
	}
	key := appliedKey(ctx, opDestroy, p)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if _, ok := applied(tx, key); ok {
			return nil
		}
		if err := s.recordApplied(tx, key, nil); err != nil {
			return err
		}
		if _, ok, err := loadMeta(tx, p); err != nil {
			return err
		} else if !ok {
			return handlers.ErrNotFound
		}
		if err := tx.Bucket(metaBucket).Delete([]byte(p.String())); err != nil {
			return err
		}
		// Scan rather than trust the metadata's version list, so no sealed
		// value can outlive its secret.
		versions := tx.Bucket(versionsBucket)
		pre := []byte(versionPrefix(p))
		var keys [][]byte
		cur := versions.Cursor()
		for k, _ := cur.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = cur.Next() {
			keys = append(keys, bytes.Clone(k))
		}
		for _, k := range keys {
			if err := versions.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return handlers.OpErr("boltstore destroy "+p.String(), dbErr(err))
	}
	return nil
}
