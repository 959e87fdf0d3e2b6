package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/secretpath"
)

// Identity handles the group and policy commands of seed 000 ("Vault Group
// and Policy Management") and the policy-group-flow that provisions the
// caller's own tenant. Group and policy management needs the admin role;
// the flow needs none: it only ever provisions the tenant the caller's token
// names.
type Identity struct {
	admin     IdentityAdmin
	adminRole string
	mount     string
}

// NewIdentity refuses a nil admin, an empty admin role and a mount that
// cannot be named in a policy. mount is the KV v2 mount the tenant policies
// grant ("hypo").
func NewIdentity(admin IdentityAdmin, adminRole, mount string) (*Identity, error) {
	if admin == nil {
		return nil, errors.New("identity: nil identity admin")
	}
	if adminRole == "" {
		return nil, errors.New("identity: empty admin role")
	}
	if _, err := secretpath.TenantPolicyHCL(mount, "probe"); err != nil {
		return nil, fmt.Errorf("identity: mount %q: %w", mount, err)
	}
	return &Identity{admin: admin, adminRole: adminRole, mount: mount}, nil
}

// requireAdmin refuses a caller without the admin role. Group and policy
// names are global, not a tenant's: only an admin may see or change them.
func (h *Identity) requireAdmin(c Caller, op string) error {
	if !c.HasRole(h.adminRole) {
		return fmt.Errorf("%s: %w: role %q required", op, ErrForbidden, h.adminRole)
	}
	return nil
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
func (h *Identity) policyWrite(c Caller, op, name, rules string) (Policy, error) {
	if err := h.requireAdmin(c, op); err != nil {
		return Policy{}, err
	}
	n, err := policyName(op, name)
	if err != nil {
		return Policy{}, err
	}
	if rules == "" {
		return Policy{}, fmt.Errorf("%w: %s %s: rules are required", ErrInvalid, op, n)
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
	return events.Outcome{Type: typ, Tenant: c.Tenant, Subject: "group/" + g.Name, Data: data}
}

// policyEvent is an event about policy p: its name and the SHA-256 of its
// rules (empty rules: none).
func policyEvent(typ string, c Caller, p Policy) events.Outcome {
	data := map[string]any{"name": p.Name, "actor": c.Subject}
	if p.Rules != "" {
		data["rulesSha256"] = rulesSHA256(p.Rules)
	}
	return events.Outcome{Type: typ, Tenant: c.Tenant, Subject: "policy/" + p.Name, Data: data}
}
