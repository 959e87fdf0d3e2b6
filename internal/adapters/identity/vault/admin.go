// Package vaultidentity is the Vault handlers.IdentityAdmin: ACL policies at
// sys/policies/acl and external identity groups whose alias on the JWT auth
// mount is the group as the tokens' groups claim names it, so a caller's
// JWT, exchanged at auth/<mount>/login, carries its group's policies.
//
// It holds the service's admin token and is the only code that uses it.
// Names, group policies and metadata are checked here before Vault sees them,
// with the same rules as identitystore, so both adapters refuse alike.
package vault

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

// AdminPolicyHCL is what the admin token needs, and all it needs. Whoever
// holds it can write any ACL policy and map any group to it: it is as
// powerful as the tenants together, so keep it to this service.
const AdminPolicyHCL = `path "sys/auth" { capabilities = ["read"] }
path "sys/policies/acl/*" { capabilities = ["create", "read", "update", "delete"] }
path "identity/group" { capabilities = ["create", "update"] }
path "identity/group/name/*" { capabilities = ["read"] }
path "identity/group/id/*" { capabilities = ["read", "update", "delete"] }
path "identity/group-alias" { capabilities = ["create", "update"] }
path "identity/lookup/group" { capabilities = ["create", "update"] }
`

// Admin is the Vault identity admin. It is safe for concurrent use.
type Admin struct {
	client   *api.Client
	cfg      Config
	accessor string             // of the JWT auth mount, which group aliases name
	metrics  *vaultconn.Metrics // set by Observe; nil observes nothing
}

var _ handlers.IdentityAdmin = (*Admin)(nil)

// New checks cfg, that Vault answers at cfg.Addr and that the JWT auth
// method is mounted at cfg.JWTMount, and remembers the mount's accessor for
// group aliases (re-enabling the mount changes it: restart the service).
// Errors name the address or the mount, never the token.
func New(ctx context.Context, cfg Config) (*Admin, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("vaultidentity: %w: %w", handlers.ErrInvalid, err)
	}
	cfg = cfg.withDefaults()
	a := &Admin{cfg: cfg}
	client, err := newClient(cfg, a.observe)
	if err != nil {
		return nil, fmt.Errorf("vaultidentity %s: %w", cfg.Addr, err)
	}
	auths, err := client.Sys().ListAuthWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("vaultidentity %s: list auth methods: %w", cfg.Addr, vaultErr(err))
	}
	mount, ok := auths[cfg.JWTMount+"/"]
	if !ok || (mount.Type != "jwt" && mount.Type != "oidc") {
		return nil, fmt.Errorf("vaultidentity %s: %w: no jwt auth method mounted at %q",
			cfg.Addr, handlers.ErrInvalid, cfg.JWTMount)
	}
	a.client, a.accessor = client, mount.Accessor
	return a, nil
}

// MetricsAdapter is the adapter label of the identity admin's Vault
// metrics.
const MetricsAdapter = "identity"

// Observe makes every Vault request record its time and failure in m (see
// vaultconn.Metrics). Call it before the admin is used.
func (a *Admin) Observe(m *vaultconn.Metrics) { a.metrics = m }

// observe records one HTTP request to Vault, its failure by the sentinel
// vaultErr maps it to.
func (a *Admin) observe(start time.Time, resp *http.Response, err error) {
	switch {
	case err != nil:
		err = vaultconn.NoAnswer(err)
	case resp.StatusCode >= 400:
		err = statusSentinel(resp.StatusCode)
	}
	a.metrics.Observe(MetricsAdapter, start, err)
}

// newClient builds a client that reads no VAULT_* environment variable
// (only cmd/ reads the environment: a stray VAULT_SKIP_VERIFY or
// VAULT_TOKEN must not change what this service trusts or who it is), does
// not retry (retry is router middleware), does not follow redirects, and
// fails fast for a moment after Vault left a request unanswered (see
// vaultconn).
func newClient(cfg Config, observe func(time.Time, *http.Response, error)) (*api.Client, error) {
	return vaultconn.NewClient(vaultconn.Options{Addr: cfg.Addr, CACert: cfg.CACert, Timeout: cfg.Timeout, Token: cfg.AdminToken, Observe: observe})
}
