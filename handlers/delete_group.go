package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// DeleteGroup deletes an identity group (in Vault with its alias, so tokens
// of that group no longer get its policies). The policies stay. Tenant admin (own tenant) or platform admin.
type DeleteGroup struct {
	Auth
	Name string `json:"name"`
}

// DeleteGroup handles DeleteGroup.
func (h *Identity) DeleteGroup(ctx context.Context, cmd DeleteGroup) (Result, error) {
	const op = "delete group"
	if err := h.requireAdmin(cmd.Caller, op); err != nil {
		return Result{}, err
	}
	if err := CheckGroupName(cmd.Name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.groupAccess(cmd.Caller, op, cmd.Name, false); err != nil {
		return Result{}, err
	}
	if err := h.admin.DeleteGroup(ctx, cmd.Name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return Result{Events: []events.Outcome{{
		Type: events.IdentityGroupDeleted, Tenant: resourceTenant(cmd.Caller, "group", cmd.Name), Subject: "group/" + cmd.Name,
		Data: map[string]any{"name": cmd.Name, "actor": cmd.Caller.Subject},
	}}}, nil
}
