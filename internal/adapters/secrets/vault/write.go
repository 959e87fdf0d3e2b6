package vault

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Write stores data as a new version of p, with KV v2's check-and-set when
// cas is given, and returns the metadata as of this write. Within a
// command, with intents in use, the command's write happens once (see
// UseIntents).
func (s *Store) Write(ctx context.Context, c handlers.Caller, p secretpath.Path, data handlers.SecretData, cas *int) (handlers.SecretMetadata, error) {
	if err := guard(ctx, c, p); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr("vaultstore write", err)
	}
	op := "vaultstore write " + p.String()
	if err := checkData(data); err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr(op, err)
	}
	if cas != nil && *cas < 0 {
		return handlers.SecretMetadata{}, handlers.OpErr(op, fmt.Errorf("%w: cas %d is negative", handlers.ErrInvalid, *cas))
	}
	var (
		meta handlers.SecretMetadata
		err  error
	)
	if key := s.intentKey(ctx, opWrite, p); key != "" {
		meta, err = s.writeOnce(ctx, c, p, data, cas, key)
	} else {
		meta, err = s.put(ctx, c, p, data, cas)
	}
	if err == nil {
		err = handlers.Step(ctx, handlers.StepStoreWritten)
	}
	if err != nil {
		return handlers.SecretMetadata{}, handlers.OpErr(op, err)
	}
	return meta, nil
}

// put is one KV v2 write; the caller has run guard and checked data.
func (s *Store) put(ctx context.Context, c handlers.Caller, p secretpath.Path, data handlers.SecretData, cas *int) (handlers.SecretMetadata, error) {
	body := map[string]any{"data": data}
	if cas != nil {
		body["options"] = map[string]int{"cas": *cas}
	}
	raw, err := s.do(ctx, c, call{method: http.MethodPut, path: s.kvPath("data", p), body: body})
	if err != nil {
		return handlers.SecretMetadata{}, err
	}
	v, err := decode[kvVersion](raw, "write response")
	if err != nil {
		return handlers.SecretMetadata{}, err
	}
	created, err := parseTime(v.CreatedTime)
	if err != nil {
		return handlers.SecretMetadata{}, fmt.Errorf("%w: created_time: %w", handlers.ErrUnavailable, err)
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
