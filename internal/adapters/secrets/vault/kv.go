package vault

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/plainjson"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// KV v2 wire types: the "data" field of Vault's responses.
type (
	kvVersion struct {
		CreatedTime  string `json:"created_time"`
		DeletionTime string `json:"deletion_time"`
		Destroyed    bool   `json:"destroyed"`
		Version      int    `json:"version"`
		// CustomMetadata is the secret's: a data read carries it too.
		CustomMetadata map[string]string `json:"custom_metadata"`
	}
	kvData struct {
		Data     map[string]json.RawMessage `json:"data"`
		Metadata *kvVersion                 `json:"metadata"`
	}
	kvMetadata struct {
		CreatedTime    string               `json:"created_time"`
		UpdatedTime    string               `json:"updated_time"`
		CurrentVersion int                  `json:"current_version"`
		Versions       map[string]kvVersion `json:"versions"`
		CustomMetadata map[string]string    `json:"custom_metadata"`
	}
	kvList struct {
		Keys []string `json:"keys"`
	}
)

// kvPath is the logical path of p under the mount for one KV v2 endpoint:
// "data", "metadata" or "delete".
func (s *Store) kvPath(endpoint string, p secretpath.Path) string {
	return s.cfg.Mount + "/" + endpoint + "/" + p.String()
}

func decode[T any](raw json.RawMessage, what string) (T, error) {
	var v T
	if len(raw) == 0 || string(raw) == "null" {
		return v, fmt.Errorf("%w: %s: vault returned no data", handlers.ErrNotFound, what)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, fmt.Errorf("%w: decode %s: %w", handlers.ErrUnavailable, what, err)
	}
	return v, nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func (v kvVersion) toVersionMetadata() (handlers.VersionMetadata, error) {
	created, err := parseTime(v.CreatedTime)
	if err != nil {
		return handlers.VersionMetadata{}, err
	}
	deleted, err := parseTime(v.DeletionTime)
	if err != nil {
		return handlers.VersionMetadata{}, err
	}
	return handlers.VersionMetadata{CreatedTime: created, DeletionTime: deleted, Destroyed: v.Destroyed}, nil
}

func (m kvMetadata) toSecretMetadata() (handlers.SecretMetadata, error) {
	out := handlers.SecretMetadata{CurrentVersion: m.CurrentVersion, Versions: make(map[int]handlers.VersionMetadata, len(m.Versions))}
	var err error
	if out.CreatedTime, err = parseTime(m.CreatedTime); err != nil {
		return out, fmt.Errorf("%w: metadata created_time: %w", handlers.ErrUnavailable, err)
	}
	if out.UpdatedTime, err = parseTime(m.UpdatedTime); err != nil {
		return out, fmt.Errorf("%w: metadata updated_time: %w", handlers.ErrUnavailable, err)
	}
	for key, v := range m.Versions {
		n, err := strconv.Atoi(key)
		if err != nil {
			return out, fmt.Errorf("%w: metadata version %q: %w", handlers.ErrUnavailable, key, err)
		}
		if out.Versions[n], err = v.toVersionMetadata(); err != nil {
			return out, fmt.Errorf("%w: metadata version %d: %w", handlers.ErrUnavailable, n, err)
		}
	}
	return out, nil
}

// asOf is meta as it stood right after version was written: a write racing
// ours may already show in meta, but our caller asked what its write did.
func asOf(meta handlers.SecretMetadata, version int, created time.Time) handlers.SecretMetadata {
	versions := make(map[int]handlers.VersionMetadata, len(meta.Versions)+1)
	for v, vm := range meta.Versions {
		if v < version {
			versions[v] = vm
		}
	}
	meta.Versions = versions
	meta.Versions[version] = handlers.VersionMetadata{CreatedTime: created}
	meta.CurrentVersion, meta.UpdatedTime = version, created
	if meta.CreatedTime.IsZero() {
		meta.CreatedTime = created
	}
	return meta
}

// secretData turns KV values back into strings. This adapter only writes
// strings; a value written otherwise (number, object) comes back as its JSON
// text rather than failing the read.
func secretData(raw map[string]json.RawMessage) handlers.SecretData {
	out := make(handlers.SecretData, len(raw))
	for k, v := range raw {
		if k == commandKey {
			continue // the store's own (see commandKey), never the caller's
		}
		if s, end, ok := plainjson.ReadString(v, 0); ok && end == len(v) {
			out[k] = s // the usual value: no json.Unmarshal needed
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out[k] = s
			continue
		}
		out[k] = string(v)
	}
	return out
}

// secretMark is the command mark a version's data carries, "" for none.
func secretMark(raw map[string]json.RawMessage) string {
	var mark string
	if v, ok := raw[commandKey]; ok && json.Unmarshal(v, &mark) == nil {
		return mark
	}
	return ""
}
