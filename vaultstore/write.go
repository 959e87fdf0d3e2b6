package vaultstore

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/secretpath"
)

// Write stores data as a new version of p, with KV v2's check-and-set when
// cas is given, and returns the metadata as of this write.
func (s *Store) Write(ctx context.Context, c handlers.Caller, p secretpath.Path, data handlers.SecretData, cas *int) (handlers.SecretMetadata, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.SecretMetadata{}, opErr("vaultstore write", err)
	}
	op := "vaultstore write " + p.String()
	if err := checkData(data); err != nil {
		return handlers.SecretMetadata{}, opErr(op, err)
	}
	body := map[string]any{"data": data}
	if cas != nil {
		if *cas < 0 {
			return handlers.SecretMetadata{}, opErr(op, fmt.Errorf("%w: cas %d is negative", handlers.ErrInvalid, *cas))
		}
		body["options"] = map[string]int{"cas": *cas}
	}
	raw, err := s.do(ctx, c, call{method: http.MethodPut, path: s.kvPath("data", p), body: body})
	if err != nil {
		return handlers.SecretMetadata{}, opErr(op, err)
	}
	v, err := decode[kvVersion](raw, "write response")
	if err != nil {
		return handlers.SecretMetadata{}, opErr(op, err)
	}
	created, err := parseTime(v.CreatedTime)
	if err != nil {
		return handlers.SecretMetadata{}, opErr(op, fmt.Errorf("%w: created_time: %w", handlers.ErrUnavailable, err))
	}
	if v.Version == 1 {
		// A first version: the secret's metadata is fully known.
		return asOf(handlers.SecretMetadata{}, 1, created), nil
	}
	meta, err := s.metadata(ctx, c, p)
	if err != nil {
		// The write is done; failing now would invite a retry that writes
		// again. Report what the write response says.
		meta = handlers.SecretMetadata{}
	}
	return asOf(meta, v.Version, created), nil
}
