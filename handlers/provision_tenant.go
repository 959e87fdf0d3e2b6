package handlers

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// ProvisionTenant is the policy-group-flow of seed 000: for the caller's own
// tenant (the first entry of the token's groups claim, never a name from
// the request) it makes the ACL policy "{tenant}_policy" of
// secretpath.TenantPolicyHCL, then the group "{tenant}" holding it. It needs
// no role: it can only ever grant a tenant its own folders.
//
// Outcomes:
//   - neither exists: both are made.
//   - the group cannot be made (it exists, its alias is held by another
//     group, the backend failed): the policy this command made is deleted
//     again and the group's error is returned. Rollback runs even if the
//     command's context ended.
//   - the policy exists with exactly these rules and the group holds it:
//     ErrConflict, the tenant is provisioned already.
//   - the policy exists with exactly these rules, no group: the group is
//     made (a retry after a failed rollback converges); on failure the
//     policy is kept, as this command did not make it.
//   - the policy exists with other rules, or the group exists without the
//     policy: ErrConflict, nothing is changed.
//
// Tenant, when set, names the tenant to provision: the caller's own, or,
// for a platform admin only, any other (the Kafka flow's groupName).
type ProvisionTenant struct {
	Auth
	Tenant string `json:"tenant,omitempty"`
}

// TenantProvisioned is the reply of ProvisionTenant.
type TenantProvisioned struct {
	Group  string `json:"group"`
	Policy string `json:"policy"`
}

// ProvisionTenant handles ProvisionTenant.
func (h *Identity) ProvisionTenant(ctx context.Context, cmd ProvisionTenant) (Result, error) {
	c := cmd.Caller
	if cmd.Tenant != "" && cmd.Tenant != c.Tenant {
		if !h.isPlatform(c) {
			return Result{}, fmt.Errorf("provision tenant: %w: a tenant provisions only its own group; another tenant's needs the %q role", ErrForbidden, h.roles.Platform)
		}
		c.Tenant = cmd.Tenant // the platform admin acts for that tenant: its events are that tenant's
	}
	op := "provision tenant " + c.Tenant
	p, err := h.tenantPolicy(c.Tenant)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %s: %v", ErrInvalid, op, err)
	}
	created, err := h.ensurePolicy(ctx, c.Tenant, p)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	g, err := h.admin.CreateGroup(ctx, Group{Name: c.Tenant, Policies: []string{p.Name}})
	if err != nil {
		return h.rollback(ctx, c, p, created, fmt.Errorf("%s: create group: %w", op, err))
	}
	var evs []events.Outcome
	if created {
		evs = append(evs, policyEvent(events.IdentityPolicyCreated, c, p))
	}
	evs = append(evs, groupEvent(events.IdentityGroupCreated, c, g), events.Outcome{
		Type: events.IdentityTenantProvisioned, Tenant: c.Tenant, Subject: "group/" + g.Name,
		Data: map[string]any{
			"group": g.Name, "policy": p.Name, "rulesSha256": rulesSHA256(p.Rules),
			"policyCreated": created, "actor": c.Subject,
		},
	})
	return Result{Events: evs, Reply: TenantProvisioned{Group: g.Name, Policy: p.Name}}, nil
}

// tenantPolicy is the policy the flow gives tenant.
func (h *Identity) tenantPolicy(tenant string) (Policy, error) {
	if err := secretpath.CheckTenant(tenant); err != nil {
		return Policy{}, err
	}
	name, err := secretpath.TenantPolicyName(tenant)
	if err != nil {
		return Policy{}, err
	}
	if name, err = PolicyName(name); err != nil {
		return Policy{}, err
	}
	rules, err := secretpath.TenantPolicyHCL(h.mount, tenant)
	if err != nil {
		return Policy{}, err
	}
	return Policy{Name: name, Rules: rules}, nil
}

// ensurePolicy makes p and reports true, or reports false when p exists
// already with the same rules and tenant has no group yet.
func (h *Identity) ensurePolicy(ctx context.Context, tenant string, p Policy) (bool, error) {
	err := h.admin.CreatePolicy(ctx, p)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, ErrConflict) {
		return false, fmt.Errorf("create policy: %w", err)
	}
	cur, err := h.admin.GetPolicy(ctx, p.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, fmt.Errorf("%w: policy %s was deleted concurrently", ErrConflict, p.Name)
	case err != nil:
		return false, fmt.Errorf("read existing policy: %w", err)
	case cur.Rules != p.Rules:
		return false, fmt.Errorf("%w: policy %s exists with other rules", ErrConflict, p.Name)
	}
	g, err := h.admin.GetGroup(ctx, tenant)
	switch {
	case errors.Is(err, ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read existing group: %w", err)
	case slices.Contains(g.Policies, p.Name):
		return false, fmt.Errorf("%w: provisioned already: group %s holds policy %s", ErrConflict, g.Name, p.Name)
	}
	return false, fmt.Errorf("%w: group %s exists without policy %s", ErrConflict, g.Name, p.Name)
}

// rollback deletes the policy the flow made when its group could not be
// made, and returns cause. A failed rollback is reported in the error's
// text but not its chain, so the caller sees cause's kind (a transient cause
// is retried, and the retry finds the policy and makes the group). The
// events are dropped when cause is transient: the retry reports the outcome.
func (h *Identity) rollback(ctx context.Context, c Caller, p Policy, created bool, cause error) (Result, error) {
	if !created {
		return Result{}, fmt.Errorf("%w (policy %s existed before and is kept)", cause, p.Name)
	}
	if err := h.admin.DeletePolicy(context.WithoutCancel(ctx), p.Name); err != nil {
		// The policy exists: the log says so.
		return Result{Events: []events.Outcome{policyEvent(events.IdentityPolicyCreated, c, p)}},
			fmt.Errorf("%w; rollback failed, policy %s is left: %v", cause, p.Name, err)
	}
	return Result{Events: []events.Outcome{{
		Type: events.IdentityTenantProvisionRolledBack, Tenant: c.Tenant, Subject: "group/" + c.Tenant,
		Data: map[string]any{"group": c.Tenant, "policy": p.Name, "rulesSha256": rulesSHA256(p.Rules), "actor": c.Subject},
	}}}, fmt.Errorf("%w; policy %s rolled back", cause, p.Name)
}
