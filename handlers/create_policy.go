package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// CreatePolicy makes an ACL policy from HCL rules; an existing name is
// ErrConflict, rules that do not parse are ErrInvalid. The name is stored
// lower case, as Vault does; Vault's built-in policies cannot be named.
// Tenant admin (own tenant) or platform admin.
type CreatePolicy struct {
	Auth
	Name  string `json:"name"`
	Rules string `json:"rules"`
}

// CreatePolicy handles CreatePolicy. The reply is the policy as stored.
func (h *Identity) CreatePolicy(ctx context.Context, cmd CreatePolicy) (Result, error) {
	const op = "create policy"
	p, err := h.policyWrite(cmd.Caller, op, cmd.Name, cmd.Rules, true)
	if err != nil {
		return Result{}, err
	}
	if err := h.admin.CreatePolicy(ctx, p); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return Result{Events: []events.Outcome{policyEvent(events.IdentityPolicyCreated, cmd.Caller, p)}, Reply: p}, nil
}
