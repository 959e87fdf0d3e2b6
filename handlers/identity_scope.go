package handlers

import (
	"fmt"
	"strings"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// IdentityRoles names the two administrator roles the identity commands
// tell apart. A tenant admin is not a platform admin.
type IdentityRoles struct {
	// Admin administers its own tenant: the group "{tenant}" and the policy
	// "{tenant}_policy", nothing else.
	Admin string
	// Platform administers every tenant's group and policy, and the names
	// that belong to no tenant.
	Platform string
}

// The identity commands' access rule, in one place. A platform admin may
// do anything; a tenant admin only what names its own tenant; anyone else
// needs the admin role first. Another tenant's group or policy is
// ErrNotFound, exactly as another tenant's secret: whether it exists is
// not for a tenant admin to learn. A create naming another tenant's (or no
// tenant's) name is ErrForbidden instead: it says nothing about what
// exists, and "not found" would be a puzzling answer to a create.

func (h *Identity) isPlatform(c Caller) bool { return c.HasRole(h.roles.Platform) }

// requireAdmin refuses a caller that is neither a tenant nor a platform
// admin.
func (h *Identity) requireAdmin(c Caller, op string) error {
	if !c.HasRole(h.roles.Admin) && !h.isPlatform(c) {
		return fmt.Errorf("%s: %w: role %q required", op, ErrForbidden, h.roles.Admin)
	}
	return nil
}

// groupAccess checks that c may act on the group named name (already
// checked by CheckGroupName). Vault matches group names
// case-insensitively, so the tenant's group is matched the same way.
func (h *Identity) groupAccess(c Caller, op, name string, create bool) error {
	if err := h.requireAdmin(c, op); err != nil {
		return err
	}
	if h.isPlatform(c) || strings.EqualFold(name, c.Tenant) {
		return nil
	}
	if create {
		return fmt.Errorf("%s: %w: a tenant admin may create only its own tenant's group %q; other groups need the %q role", op, ErrForbidden, c.Tenant, h.roles.Platform)
	}
	return fmt.Errorf("%s: %w: group %q", op, ErrNotFound, name)
}

// policyAccess checks that c may act on the policy named name and returns
// the name as stored (lower case).
func (h *Identity) policyAccess(c Caller, op, name string, create bool) (string, error) {
	if err := h.requireAdmin(c, op); err != nil {
		return "", err
	}
	n, err := policyName(op, name)
	if err != nil {
		return "", err
	}
	if h.isPlatform(c) || n == h.ownPolicy(c) {
		return n, nil
	}
	if create {
		return "", fmt.Errorf("%s: %w: a tenant admin may create only its own tenant's policy %q; other policies need the %q role", op, ErrForbidden, h.ownPolicy(c), h.roles.Platform)
	}
	return "", fmt.Errorf("%s: %w: policy %q", op, ErrNotFound, name)
}

// ownPolicy is the name of c's tenant policy, "" if c has no valid tenant.
func (h *Identity) ownPolicy(c Caller) string {
	n, err := secretpath.TenantPolicyName(c.Tenant)
	if err != nil {
		return ""
	}
	return strings.ToLower(n)
}

// policiesAccess checks the policies a caller gives a group: a tenant
// admin may give its own tenant's group only its own tenant's policy.
// Names are compared as stored (lower case).
func (h *Identity) policiesAccess(c Caller, op string, policies []string) error {
	if h.isPlatform(c) {
		return nil
	}
	own := h.ownPolicy(c)
	for _, p := range policies {
		if strings.ToLower(p) != own {
			return fmt.Errorf("%s: %w: a group may hold only its own tenant's policy %q; other policies need the %q role", op, ErrForbidden, own, h.roles.Platform)
		}
	}
	return nil
}

// rulesAccess checks the rules a caller writes: a tenant admin's policy
// may grant paths inside its own tenant's folders only, or a tenant admin
// could write itself into another tenant's secrets.
func (h *Identity) rulesAccess(c Caller, op, rules string) error {
	if h.isPlatform(c) {
		return nil
	}
	if err := secretpath.CheckTenantRules(h.mount, c.Tenant, rules); err != nil {
		return fmt.Errorf("%s: %w: %v; rules reaching further need the %q role", op, ErrForbidden, err, h.roles.Platform)
	}
	return nil
}

// resourceTenant is the tenant an identity event is about: the tenant the
// group or policy belongs to when its name says one, else the caller's. So
// a platform admin's change to tenant A's group is in A's audit trail.
func resourceTenant(c Caller, kind, name string) string {
	t := strings.ToLower(name)
	if kind == "policy" {
		var ok bool
		if t, ok = strings.CutSuffix(t, "_policy"); !ok {
			return c.Tenant
		}
	}
	if secretpath.CheckTenant(t) != nil {
		return c.Tenant
	}
	return t
}
