package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Write stores data as the next version of p, honouring cas as KV v2 does:
// nil writes unconditionally, 0 only creates, n only replaces version n.
// Versions beyond MaxVersions are dropped, oldest first. Within a command
// (handlers.CommandID), the write is recorded with it, atomically: the same
// command writing p again gets the first write's metadata and writes
// nothing, whatever cas says, so a command redelivered after a crash has
// its effect once.
func (s *Store) Write(ctx context.Context, c handlers.Caller, p secretpath.Path, data handlers.SecretData, cas *int) (handlers.SecretMetadata, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("boltstore write", err)
	}
	op := "boltstore write " + p.String()
	if err := checkData(data); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr(op, err)
	}
	if cas != nil && *cas < 0 {
		return handlers.SecretMetadata{}, handlers.OpErr(op, fmt.Errorf("%w: cas %d is negative", handlers.ErrInvalid, *cas))
	}
	var out handlers.SecretMetadata
	key := appliedKey(ctx, opWrite, p)
	err := s.db.Update(func(tx *bolt.Tx) error {
		if done, ok, err := appliedWrite(tx, key); err != nil || ok {
			out = done
			return err
		}
		meta, exists, err := loadMeta(tx, p)
		if err != nil {
			return err
		}
		if err := checkCAS(cas, meta, exists); err != nil {
			return err
		}
		now := s.now()
		if !exists {
			meta = handlers.SecretMetadata{CreatedTime: now, Versions: map[int]handlers.VersionMetadata{}}
		}
		v := meta.CurrentVersion + 1
		meta.CurrentVersion = v
		meta.UpdatedTime = now
		meta.Versions[v] = handlers.VersionMetadata{CreatedTime: now}
		if err := s.putData(tx, versionKey(p, v), data); err != nil {
			return err
		}
		if err := s.prune(tx, p, &meta); err != nil {
			return err
		}
		out = meta
		if err := putMeta(tx, p, meta); err != nil {
			return err
		}
		result, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("encode applied write: %w", err)
		}
		return s.recordApplied(tx, key, result)
	})
	if err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr(op, dbErr(err))
	}
	if err := handlers.Step(ctx, handlers.StepStoreWritten); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr(op, err)
	}
	return out, nil
}

func checkCAS(cas *int, meta handlers.SecretMetadata, exists bool) error {
	switch {
	case cas == nil:
		return nil
	case *cas == 0 && exists:
		return fmt.Errorf("%w: cas 0 but the secret exists (version %d)", handlers.ErrConflict, meta.CurrentVersion)
	case *cas > 0 && !exists:
		return fmt.Errorf("%w: cas %d but the secret does not exist", handlers.ErrConflict, *cas)
	case *cas > 0 && *cas != meta.CurrentVersion:
		return fmt.Errorf("%w: cas %d but the current version is %d", handlers.ErrConflict, *cas, meta.CurrentVersion)
	}
	return nil
}

// prune drops every version older than the newest MaxVersions, data and
// metadata both, as Vault does when max_versions is exceeded.
func (s *Store) prune(tx *bolt.Tx, p secretpath.Path, meta *handlers.SecretMetadata) error {
	oldest := meta.CurrentVersion - s.opts.MaxVersions + 1
	versions := tx.Bucket(versionsBucket)
	for v := range meta.Versions {
		if v >= oldest {
			continue
		}
		if err := versions.Delete([]byte(versionKey(p, v))); err != nil {
			return fmt.Errorf("prune version %d: %w", v, err)
		}
		delete(meta.Versions, v)
	}
	return nil
}
