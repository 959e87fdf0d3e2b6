package handlers

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/hypo-registry/registry/events"
)

// UpdateGroup changes a group's policies, metadata or both (PATCH
// semantics: a nil field keeps its value; a given one replaces it whole, so
// an empty list or map clears it). Tenant admin (own tenant) or platform admin.
//
// The identity admin has no check-and-set: an update made between this
// command's read and write is overwritten in the field this command sets.
type UpdateGroup struct {
	Auth
	Name     string             `json:"name"`
	Policies *[]string          `json:"policies,omitempty"`
	Metadata *map[string]string `json:"metadata,omitempty"`
}

// UpdateGroup handles UpdateGroup. The reply is the group as stored.
func (h *Identity) UpdateGroup(ctx context.Context, cmd UpdateGroup) (Result, error) {
	const op = "update group"
	if err := h.requireAdmin(cmd.Caller, op); err != nil {
		return Result{}, err
	}
	if err := CheckGroupName(cmd.Name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.groupAccess(cmd.Caller, op, cmd.Name, false); err != nil {
		return Result{}, err
	}
	var fields []string
	if cmd.Policies != nil {
		fields = append(fields, "policies")
	}
	if cmd.Metadata != nil {
		fields = append(fields, "metadata")
	}
	if len(fields) == 0 {
		return Result{}, fmt.Errorf("%w: %s %s: no field to change (policies, metadata)", ErrInvalid, op, cmd.Name)
	}
	if cmd.Policies != nil {
		if err := h.policiesAccess(cmd.Caller, op, *cmd.Policies); err != nil {
			return Result{}, err
		}
	}
	g, err := h.admin.GetGroup(ctx, cmd.Name)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if cmd.Policies != nil {
		g.Policies = slices.Clone(*cmd.Policies)
	}
	if cmd.Metadata != nil {
		g.Metadata = maps.Clone(*cmd.Metadata)
	}
	out, err := h.admin.UpdateGroup(ctx, g)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	ev := groupEvent(events.IdentityGroupUpdated, cmd.Caller, out)
	ev.Data["fields"] = fields
	return Result{Events: []events.Outcome{ev}, Reply: out}, nil
}
