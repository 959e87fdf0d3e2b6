// Package handlers holds the command handlers and the ports they use. A
// handler takes a typed command and returns outcome events and a reply; it
// knows nothing of HTTP, Kafka or Vault wire formats. Ports are declared here,
// by their consumer, and implemented by adapters in their own packages.
package handlers

import (
	"context"
	"log/slog"
	"time"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// Caller is whom a command acts for. Token is the caller's verified bearer
// JWT: the Vault adapter exchanges it for a tenant-scoped Vault token; the
// embedded adapter checks Tenant itself. Token is a credential: Caller's
// LogValue leaves it out, and it never enters an event or a reply.
type Caller struct {
	Subject string   `json:"subject"`
	Tenant  string   `json:"tenant"`
	Roles   []string `json:"roles,omitempty"`
	Token   string   `json:"token,omitempty"`
}

// LogValue keeps the token out of every log line.
func (c Caller) LogValue() slog.Value {
	return slog.GroupValue(slog.String("subject", c.Subject), slog.String("tenant", c.Tenant))
}

// HasRole reports whether the caller holds role.
func (c Caller) HasRole(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// SecretData is the key/value content of one secret version.
type SecretData map[string]string

// VersionMetadata describes one version of a secret.
type VersionMetadata struct {
	CreatedTime  time.Time `json:"createdTime"`
	DeletionTime time.Time `json:"deletionTime,omitzero"`
	Destroyed    bool      `json:"destroyed,omitempty"`
}

// SecretMetadata is the KV-v2 metadata of a secret: every version it has had.
type SecretMetadata struct {
	CurrentVersion int                     `json:"currentVersion"`
	CreatedTime    time.Time               `json:"createdTime"`
	UpdatedTime    time.Time               `json:"updatedTime"`
	Versions       map[int]VersionMetadata `json:"versions"`
}

// Secret is one version of a secret with the metadata of the whole secret.
type Secret struct {
	Data     SecretData
	Version  int
	Metadata SecretMetadata
}

// SecretStore is a KV-v2 secret store: versioned values with metadata, soft
// delete and destroy, list by tenant prefix. Every method acts for a caller,
// and a caller reaches only paths of its own tenant: another tenant's path is
// ErrForbidden from the store (handlers report it as not found).
//
// Errors wrap ErrNotFound, ErrConflict, ErrForbidden, ErrInvalid or
// ErrUnavailable.
type SecretStore interface {
	// Read returns version (0 = current). A path without metadata, or a
	// version deleted or destroyed, is ErrNotFound. For version 0,
	// Metadata.Versions may hold the current version only (a store may
	// answer from the one read of it).
	Read(ctx context.Context, c Caller, p secretpath.Path, version int) (Secret, error)
	// Write stores data as a new version. cas nil writes unconditionally;
	// *cas == 0 writes only if the path has no metadata; *cas == n only if
	// the current version is n. A failed check is ErrConflict.
	Write(ctx context.Context, c Caller, p secretpath.Path, data SecretData, cas *int) (SecretMetadata, error)
	// Delete soft-deletes versions (none given: the current one). The data
	// stays recoverable in the backend; reads of those versions are
	// ErrNotFound. Unknown path: ErrNotFound.
	Delete(ctx context.Context, c Caller, p secretpath.Path, versions ...int) error
	// Destroy removes the metadata and every version for good. Unknown path:
	// ErrNotFound.
	Destroy(ctx context.Context, c Caller, p secretpath.Path) error
	// Metadata returns the metadata of p, or ErrNotFound.
	Metadata(ctx context.Context, c Caller, p secretpath.Path) (SecretMetadata, error)
	// List returns the sorted names of the secrets of c.Tenant in scope that
	// have metadata (a soft-deleted current version still lists). An empty
	// folder is an empty list, not an error.
	List(ctx context.Context, c Caller, scope secretpath.Scope, tenant string) ([]string, error)
}

// Policy is an ACL policy: a name and its HCL rules.
type Policy struct {
	Name  string `json:"name"`
	Rules string `json:"rules"`
}

// Group is an identity group. In Vault it is an external group whose alias
// on the JWT auth mount is the group name as it appears in the token's
// groups claim, so a caller's token maps to the group and its policies.
type Group struct {
	Name     string            `json:"name"`
	Policies []string          `json:"policies"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// IdentityAdmin manages groups and ACL policies. Only the identity flows use
// it; the Vault adapter holds the service's admin token for it alone.
//
// Errors wrap ErrNotFound (unknown name), ErrConflict (CreateGroup or
// CreatePolicy over an existing name), ErrInvalid (bad name or rules) or
// ErrUnavailable.
type IdentityAdmin interface {
	CreatePolicy(ctx context.Context, p Policy) error
	// PutPolicy creates or replaces p.
	PutPolicy(ctx context.Context, p Policy) error
	GetPolicy(ctx context.Context, name string) (Policy, error)
	DeletePolicy(ctx context.Context, name string) error
	CreateGroup(ctx context.Context, g Group) (Group, error)
	GetGroup(ctx context.Context, name string) (Group, error)
	// UpdateGroup replaces the group's policies and metadata.
	UpdateGroup(ctx context.Context, g Group) (Group, error)
	DeleteGroup(ctx context.Context, name string) error
}

// Owners answers who created each credential secret, for owner-only
// writes (REGISTRY_AUTHZ_OWNER_ONLY, seed 002); the owners projection
// (projections/owners) implements it.
type Owners interface {
	// Owner returns the subject that created the secret whose events carry
	// subject (tenant/scope/key), "" when unknown, with every event
	// committed before the call applied. Errors wrap ErrUnavailable.
	Owner(ctx context.Context, subject string) (string, error)
}

// CreatedNames answers the name each credential secret was created with,
// for lists of resources whose storage key is derived from the name (the
// store lists keys only); the owners projection (projections/owners)
// implements it.
type CreatedNames interface {
	// Names returns key → name as created of tenant's secrets in scope,
	// with every event committed before the call applied. A secret it
	// does not know (created before it kept names, or outside this
	// service) is missing. Errors wrap ErrUnavailable.
	Names(ctx context.Context, tenant string, scope secretpath.Scope) (map[string]string, error)
}
