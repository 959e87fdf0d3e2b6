package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// GetGroup reads an identity group: its policies and metadata. Tenant admin (own tenant) or platform admin;
// every read is an event.
type GetGroup struct {
	Auth
	Name string `json:"name"`
}

// GetGroup handles GetGroup.
func (h *Identity) GetGroup(ctx context.Context, cmd GetGroup) (Result, error) {
	const op = "read group"
	if err := h.requireAdmin(cmd.Caller, op); err != nil {
		return Result{}, err
	}
	if err := CheckGroupName(cmd.Name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.groupAccess(cmd.Caller, op, cmd.Name, false); err != nil {
		return Result{}, err
	}
	g, err := h.admin.GetGroup(ctx, cmd.Name)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	ev := groupEvent(events.IdentityGroupRead, cmd.Caller, g)
	delete(ev.Data, "metadata") // a read changes nothing: name it, no more
	return Result{Events: []events.Outcome{ev}, Reply: g}, nil
}
