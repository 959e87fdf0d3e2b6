package vault

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Delete soft-deletes versions of p (none given: the current one). Vault
// answers 204 for a path it does not know, so the metadata is read first to
// report ErrNotFound. Versions unknown or already deleted are left alone.
func (s *Store) Delete(ctx context.Context, c handlers.Caller, p secretpath.Path, versions ...int) error {
	if err := guard(ctx, c, p); err != nil {
		return handlers.OpErr("vaultstore delete", err)
	}
	op := "vaultstore delete " + p.String()
	for _, v := range versions {
		if v <= 0 {
			return handlers.OpErr(op, fmt.Errorf("%w: version %d is not positive", handlers.ErrInvalid, v))
		}
	}
	if _, err := s.metadata(ctx, c, p); err != nil {
		return handlers.OpErr(op, err)
	}
	cl := call{method: http.MethodDelete, path: s.kvPath("data", p), idempotent: true}
	if len(versions) > 0 {
		cl = call{method: http.MethodPut, path: s.kvPath("delete", p), body: map[string][]int{"versions": versions}, idempotent: true}
	}
	if _, err := s.do(ctx, c, cl); err != nil {
		return handlers.OpErr(op, err)
	}
	return nil
}

// Destroy removes p's metadata and every version for good. Within a
// command, with intents in use, the same command destroying p again
// succeeds without a second effect rather than finding p gone.
func (s *Store) Destroy(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	if err := guard(ctx, c, p); err != nil {
		return handlers.OpErr("vaultstore destroy", err)
	}
	op := "vaultstore destroy " + p.String()
	key := s.intentKey(ctx, opDestroy, p)
	if done, err := s.destroyedBefore(ctx, c, p, key); err != nil || done {
		if err != nil {
			return handlers.OpErr(op, err)
		}
		return nil
	}
	if _, err := s.metadata(ctx, c, p); err != nil {
		return handlers.OpErr(op, err)
	}
	if key != "" {
		if err := s.intents.Intend(ctx, key, 0); err != nil {
			return handlers.OpErr(op, fmt.Errorf("%w: record intent: %w", handlers.ErrUnavailable, err))
		}
	}
	if _, err := s.do(ctx, c, call{method: http.MethodDelete, path: s.kvPath("metadata", p), idempotent: true}); err != nil {
		return handlers.OpErr(op, err)
	}
	return nil
}
