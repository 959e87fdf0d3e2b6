package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// UpdatePolicy replaces the rules of an existing ACL policy; an unknown
// name is ErrNotFound (POST creates). Tenant admin (own tenant) or platform admin.
//
// The identity admin has no check-and-set: a policy deleted between this
// command's check and its write is made again by the write.
type UpdatePolicy struct {
	Auth
	Name  string `json:"name"`
	Rules string `json:"rules"`
}

// UpdatePolicy handles UpdatePolicy. The reply is the policy as stored.
func (h *Identity) UpdatePolicy(ctx context.Context, cmd UpdatePolicy) (Result, error) {
	const op = "update policy"
	p, err := h.policyWrite(cmd.Caller, op, cmd.Name, cmd.Rules, false)
	if err != nil {
		return Result{}, err
	}
	old, err := h.admin.GetPolicy(ctx, p.Name)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.admin.PutPolicy(ctx, p); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	ev := policyEvent(events.IdentityPolicyUpdated, cmd.Caller, p)
	ev.Data["previousRulesSha256"] = rulesSHA256(old.Rules)
	return Result{Events: []events.Outcome{ev}, Reply: p}, nil
}
