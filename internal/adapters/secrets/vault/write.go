package vault

import (
	"context"
	"fmt"
	"maps"
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
		// A first version: the secret's metadata is fully known, and a
		// read of it tells its creation time (see currentMetadata).
		return asOf(handlers.SecretMetadata{}, 1, created), nil
	}
	m, err := s.kvMetadata(ctx, c, p)
	if err != nil {
		// The write is done; failing now would invite a retry that writes
		// again. Report what the write response says.
		return asOf(handlers.SecretMetadata{}, v.Version, created), nil
	}
	meta, err := m.toSecretMetadata()
	if err != nil {
		return asOf(handlers.SecretMetadata{}, v.Version, created), nil
	}
	s.recordCreated(ctx, c, p, m)
	return asOf(meta, v.Version, created), nil
}

// recordCreated keeps p's creation time in its custom_metadata (createdKey)
// when it is not there yet, so that a read of a version after the first is
// one request (see currentMetadata). Vault replaces custom_metadata whole,
// so the keys already there are sent back. It is best effort: the write is
// done, and a read without createdKey reads the metadata instead. A tenant
// policy from before metadata "update" refuses it (403) until the policy
// is brought up to secretpath.TenantPolicyHCL; the policy has no metadata
// "create", so a secret destroyed meanwhile is not brought back.
func (s *Store) recordCreated(ctx context.Context, c handlers.Caller, p secretpath.Path, m kvMetadata) {
	if m.CreatedTime == "" || m.CustomMetadata[createdKey] == m.CreatedTime {
		return
	}
	custom := maps.Clone(m.CustomMetadata)
	if custom == nil {
		custom = map[string]string{}
	}
	custom[createdKey] = m.CreatedTime
	body := map[string]any{"custom_metadata": custom}
	_, _ = s.do(ctx, c, call{method: http.MethodPost, path: s.kvPath("metadata", p), body: body, idempotent: true})
}
