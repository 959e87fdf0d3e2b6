package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// DeletePolicy deletes an ACL policy. Groups naming it keep the name, as in
// Vault: it grants nothing until a policy of that name exists again. Admin
// only.
type DeletePolicy struct {
	Auth
	Name string `json:"name"`
}

// DeletePolicy handles DeletePolicy.
func (h *Identity) DeletePolicy(ctx context.Context, cmd DeletePolicy) (Result, error) {
	const op = "delete policy"
	name, err := h.policyAccess(cmd.Caller, op, cmd.Name, false)
	if err != nil {
		return Result{}, err
	}
	if err := h.admin.DeletePolicy(ctx, name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return Result{Events: []events.Outcome{policyEvent(events.IdentityPolicyDeleted, cmd.Caller, Policy{Name: name})}}, nil
}
