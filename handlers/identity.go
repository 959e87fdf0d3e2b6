package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Identity handles the group and policy commands of seed 000 ("Vault Group
// and Policy Management") and the policy-group-flow that provisions the
// caller's own tenant. Group and policy management needs the admin role
// and reaches the caller's own tenant only, or the platform admin role and
// reaches every tenant (identity_scope.go); the flow needs no role: it only
// ever provisions the tenant the caller's token names.
type Identity struct {
	admin IdentityAdmin
	roles IdentityRoles
	mount string
}

// NewIdentity refuses a nil admin, empty or equal role names and a mount
// that cannot be named in a policy. mount is the KV v2 mount the tenant
// policies grant ("hypo").
func NewIdentity(admin IdentityAdmin, roles IdentityRoles, mount string) (*Identity, error) {
	if admin == nil {
		return nil, errors.New("identity: nil identity admin")
	}
	if roles.Admin == "" || roles.Platform == "" || roles.Admin == roles.Platform {
		return nil, errors.New("identity: the admin and platform admin roles must be two non-empty, different names")
	}
	if _, err := secretpath.TenantPolicyHCL(mount, "probe"); err != nil {
		return nil, fmt.Errorf("identity: mount %q: %w", mount, err)
	}
	return &Identity{admin: admin, roles: roles, mount: mount}, nil
}

// policyName checks name and returns it as stored (lower case).
func policyName(op, name string) (string, error) {
	n, err := PolicyName(name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return n, nil
}

// policyWrite checks what CreatePolicy and UpdatePolicy both need: an admin
// caller, a valid name and non-empty rules. It returns the policy to store.
func (h *Identity) policyWrite(c Caller, op, name, rules string, create bool) (Policy, error) {
	n, err := h.policyAccess(c, op, name, create)
	if err != nil {
		return Policy{}, err
	}
	if rules == "" {
		return Policy{}, fmt.Errorf("%w: %s %s: rules are required", ErrInvalid, op, n)
	}
	if err := h.rulesAccess(c, op, rules); err != nil {
		return Policy{}, err
	}
	return Policy{Name: n, Rules: rules}, nil
}

// rulesSHA256 identifies a policy's rules in events without carrying them:
// rules are not secret, but long, and the hash shows when they changed.
func rulesSHA256(rules string) string {
	sum := sha256.Sum256([]byte(rules))
	return hex.EncodeToString(sum[:])
}

// groupEvent is an event about group g; "policy" (a clear field) lists its
// policy names, metadata values are HMAC'd by the bus.
func groupEvent(typ string, c Caller, g Group) events.Outcome {
	data := map[string]any{"name": g.Name, "policy": g.Policies, "actor": c.Subject}
	if len(g.Metadata) > 0 {
		data["metadata"] = g.Metadata
	}
	return events.Outcome{Type: typ, Tenant: resourceTenant(c, "group", g.Name), Subject: "group/" + g.Name, Data: data}
}

// policyEvent is an event about policy p: its name and the SHA-256 of its
// rules (empty rules: none).
func policyEvent(typ string, c Caller, p Policy) events.Outcome {
	data := map[string]any{"name": p.Name, "actor": c.Subject}
	if p.Rules != "" {
		data["rulesSha256"] = rulesSHA256(p.Rules)
	}
	return events.Outcome{Type: typ, Tenant: resourceTenant(c, "policy", p.Name), Subject: "policy/" + p.Name, Data: data}
}
