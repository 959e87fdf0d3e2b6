package vault

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Read returns version (0 = current) of p with the secret's metadata. The
// data and the metadata are fetched in parallel.
func (s *Store) Read(ctx context.Context, c handlers.Caller, p secretpath.Path, version int) (handlers.Secret, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.Secret{}, handlers.OpErr("vaultstore read", err)
	}
	op := "vaultstore read " + p.String()
	if version < 0 {
		return handlers.Secret{}, handlers.OpErr(op, fmt.Errorf("%w: version %d is negative", handlers.ErrInvalid, version))
	}
	var query url.Values
	if version > 0 {
		query = url.Values{"version": {strconv.Itoa(version)}}
	}
	var (
		wg      sync.WaitGroup
		meta    handlers.SecretMetadata
		metaErr error
	)
	wg.Go(func() { meta, metaErr = s.metadata(ctx, c, p) })
	raw, err := s.do(ctx, c, call{method: http.MethodGet, path: s.kvPath("data", p), query: query, idempotent: true})
	wg.Wait()
	if err != nil {
		return handlers.Secret{}, handlers.OpErr(op, err)
	}
	d, err := decode[kvData](raw, "data")
	if err != nil {
		return handlers.Secret{}, handlers.OpErr(op, err)
	}
	// Vault answers 404 for a deleted or destroyed version; a 200 without
	// data would mean the same.
	if d.Data == nil || d.Metadata == nil || d.Metadata.Destroyed || d.Metadata.DeletionTime != "" {
		return handlers.Secret{}, handlers.OpErr(op, fmt.Errorf("%w: version deleted or destroyed", handlers.ErrNotFound))
	}
	if metaErr != nil {
		return handlers.Secret{}, handlers.OpErr(op, metaErr)
	}
	return handlers.Secret{Data: secretData(d.Data), Version: d.Metadata.Version, Metadata: meta}, nil
}

// Metadata returns the KV v2 metadata of p.
func (s *Store) Metadata(ctx context.Context, c handlers.Caller, p secretpath.Path) (handlers.SecretMetadata, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("vaultstore metadata", err)
	}
	meta, err := s.metadata(ctx, c, p)
	if err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("vaultstore metadata "+p.String(), err)
	}
	return meta, nil
}

// metadata reads p's metadata; the caller has run guard.
func (s *Store) metadata(ctx context.Context, c handlers.Caller, p secretpath.Path) (handlers.SecretMetadata, error) {
	raw, err := s.do(ctx, c, call{method: http.MethodGet, path: s.kvPath("metadata", p), idempotent: true})
	if err != nil {
		return handlers.SecretMetadata{}, err
	}
	m, err := decode[kvMetadata](raw, "metadata")
	if err != nil {
		return handlers.SecretMetadata{}, err
	}
	return m.toSecretMetadata()
}

// List returns the sorted names of tenant's secrets in scope. Sub-folders
// (keys ending in "/") are not secrets of this layout and are left out; a
// folder Vault does not know (404) is empty.
func (s *Store) List(ctx context.Context, c handlers.Caller, scope secretpath.Scope, tenant string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, handlers.OpErr("vaultstore list", fmt.Errorf("%w: %w", handlers.ErrUnavailable, err))
	}
	prefix, err := secretpath.Prefix(scope, tenant)
	if err != nil {
		return nil, handlers.OpErr("vaultstore list", fmt.Errorf("%w: %w", handlers.ErrInvalid, err))
	}
	if err := checkCaller(c, tenant); err != nil {
		return nil, handlers.OpErr("vaultstore list", err)
	}
	op := "vaultstore list " + prefix
	raw, err := s.do(ctx, c, call{
		method: http.MethodGet, path: s.cfg.Mount + "/metadata/" + prefix,
		query: url.Values{"list": {"true"}}, idempotent: true,
	})
	if errors.Is(err, handlers.ErrNotFound) {
		return []string{}, nil
	}
	if err != nil {
		return nil, handlers.OpErr(op, err)
	}
	l, err := decode[kvList](raw, "list")
	if err != nil {
		return nil, handlers.OpErr(op, err)
	}
	names := make([]string, 0, len(l.Keys))
	for _, k := range l.Keys {
		if !strings.HasSuffix(k, "/") {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	return names, nil
}
