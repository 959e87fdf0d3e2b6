package bolt

import (
	"bytes"
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Read returns version (0 = current) of p. Missing metadata, a version never
// written or pruned, and a deleted or destroyed version are ErrNotFound.
func (s *Store) Read(ctx context.Context, c handlers.Caller, p secretpath.Path, version int) (handlers.Secret, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.Secret{}, handlers.OpErr("boltstore read", err)
	}
	op := "boltstore read " + p.String()
	if version < 0 {
		return handlers.Secret{}, handlers.OpErr(op, fmt.Errorf("%w: version %d is negative", handlers.ErrInvalid, version))
	}
	var out handlers.Secret
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, ok, err := s.meta.load(tx, p)
		if err != nil {
			return err
		}
		if !ok {
			return handlers.ErrNotFound
		}
		v := version
		if v == 0 {
			v = meta.CurrentVersion
		}
		vm, ok := meta.Versions[v]
		switch {
		case !ok:
			return fmt.Errorf("%w: no version %d", handlers.ErrNotFound, v)
		case vm.Destroyed:
			return fmt.Errorf("%w: version %d is destroyed", handlers.ErrNotFound, v)
		case !vm.DeletionTime.IsZero():
			return fmt.Errorf("%w: version %d is deleted", handlers.ErrNotFound, v)
		}
		data, ok, err := s.getData(tx, versionKey(p, v))
		if err != nil {
			return fmt.Errorf("version %d: %w", v, err)
		}
		if !ok {
			return fmt.Errorf("%w: version %d has no data", handlers.ErrNotFound, v)
		}
		out = handlers.Secret{Data: data, Version: v, Metadata: meta}
		return nil
	})
	if err != nil {
		return handlers.Secret{}, handlers.OpErr(op, dbErr(err))
	}
	return out, nil
}

// Metadata returns the metadata of p, or ErrNotFound.
func (s *Store) Metadata(ctx context.Context, c handlers.Caller, p secretpath.Path) (handlers.SecretMetadata, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("boltstore metadata", err)
	}
	var out handlers.SecretMetadata
	err := s.db.View(func(tx *bolt.Tx) error {
		meta, ok, err := loadMeta(tx, p)
		if err != nil {
			return err
		}
		if !ok {
			return handlers.ErrNotFound
		}
		out = meta
		return nil
	})
	if err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("boltstore metadata "+p.String(), dbErr(err))
	}
	return out, nil
}

// List returns the sorted names of tenant's secrets in scope. bbolt keeps
// keys in byte order and names hold no '/', so a prefix scan is the answer.
func (s *Store) List(ctx context.Context, c handlers.Caller, scope secretpath.Scope, tenant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, handlers.OpErr("boltstore list", fmt.Errorf("%w: %w", handlers.ErrUnavailable, err))
	}
	prefix, err := secretpath.Prefix(scope, tenant)
	if err != nil {
		return nil, handlers.OpErr("boltstore list", fmt.Errorf("%w: %w", handlers.ErrInvalid, err))
	}
	if err := checkTenant(c, tenant); err != nil {
		return nil, handlers.OpErr("boltstore list "+prefix, err)
	}
	names := []string{}
	err = s.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(metaBucket).Cursor()
		pre := []byte(prefix)
		for k, _ := cur.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, _ = cur.Next() {
			names = append(names, string(k[len(pre):]))
		}
		return nil
	})
	if err != nil {
		return nil, handlers.OpErr("boltstore list "+prefix, dbErr(err))
	}
	return names, nil
}
