package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// GetPolicy reads an ACL policy with its rules. Tenant admin (own tenant) or platform admin; every read is
// an event.
type GetPolicy struct {
	Auth
	Name string `json:"name"`
}

// GetPolicy handles GetPolicy.
func (h *Identity) GetPolicy(ctx context.Context, cmd GetPolicy) (Result, error) {
	const op = "read policy"
	name, err := h.policyAccess(cmd.Caller, op, cmd.Name, false)
	if err != nil {
		return Result{}, err
	}
	p, err := h.admin.GetPolicy(ctx, name)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return Result{Events: []events.Outcome{policyEvent(events.IdentityPolicyRead, cmd.Caller, p)}, Reply: p}, nil
}
