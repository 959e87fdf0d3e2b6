package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// CreateGroup makes an identity group holding the given policies (which need
// not exist yet, as in Vault); an existing name is ErrConflict. Tenant admin (own tenant) or platform admin.
type CreateGroup struct {
	Auth
	Name     string            `json:"name"`
	Policies []string          `json:"policies,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// CreateGroup handles CreateGroup. The reply is the group as stored:
// policies lower case, deduplicated and sorted.
func (h *Identity) CreateGroup(ctx context.Context, cmd CreateGroup) (Result, error) {
	const op = "create group"
	if err := h.requireAdmin(cmd.Caller, op); err != nil {
		return Result{}, err
	}
	if err := CheckGroupName(cmd.Name); err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.groupAccess(cmd.Caller, op, cmd.Name, true); err != nil {
		return Result{}, err
	}
	if err := h.policiesAccess(cmd.Caller, op, cmd.Policies); err != nil {
		return Result{}, err
	}
	g, err := h.admin.CreateGroup(ctx, Group{Name: cmd.Name, Policies: cmd.Policies, Metadata: cmd.Metadata})
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return Result{Events: []events.Outcome{groupEvent(events.IdentityGroupCreated, cmd.Caller, g)}, Reply: g}, nil
}
