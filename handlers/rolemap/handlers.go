package rolemap

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Commands. Each acts in the caller's tenant and needs its admin role.
type (
	// ListRoleMappings lists the tenant's mappings.
	ListRoleMappings struct{ handlers.Auth }
	// GetRoleMapping reads one.
	GetRoleMapping struct {
		handlers.Auth
		PrincipalID string `json:"principalId"`
	}
	// CreateRoleMapping grants a user its one role; an existing mapping is
	// ErrConflict.
	CreateRoleMapping struct {
		handlers.Auth
		PrincipalID string `json:"principalId"`
		Role        string `json:"role"`
	}
	// UpdateRoleMapping changes a user's role.
	UpdateRoleMapping struct {
		handlers.Auth
		PrincipalID string `json:"principalId"`
		Role        string `json:"role"`
	}
	// DeleteRoleMapping removes a user's mapping.
	DeleteRoleMapping struct {
		handlers.Auth
		PrincipalID string `json:"principalId"`
	}
)

// Handlers handle the role-mapping commands over the projection's view.
type Handlers struct {
	view      *View
	adminRole string
}

// NewHandlers refuses a nil view or an empty admin role.
func NewHandlers(view *View, adminRole string) (*Handlers, error) {
	if view == nil || adminRole == "" {
		return nil, errors.New("rolemap: a view and the admin role are required")
	}
	return &Handlers{view: view, adminRole: adminRole}, nil
}

func (h *Handlers) admin(c handlers.Caller, op string) error {
	if !c.HasRole(h.adminRole) {
		return fmt.Errorf("%w: %s: role %q required", handlers.ErrForbidden, op, h.adminRole)
	}
	return nil
}

// List handles ListRoleMappings.
func (h *Handlers) List(_ context.Context, cmd ListRoleMappings) (handlers.Result, error) {
	if err := h.admin(cmd.Caller, "list role mappings"); err != nil {
		return handlers.Result{}, err
	}
	ms, err := h.view.List(cmd.Caller.Tenant)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%w: list role mappings: %v", handlers.ErrUnavailable, err)
	}
	return handlers.Result{Reply: ms}, nil
}

// Get handles GetRoleMapping.
func (h *Handlers) Get(_ context.Context, cmd GetRoleMapping) (handlers.Result, error) {
	m, err := h.existing(cmd.Caller, "read role mapping", cmd.PrincipalID)
	if err != nil {
		return handlers.Result{}, err
	}
	return handlers.Result{Reply: m}, nil
}

// Create handles CreateRoleMapping.
func (h *Handlers) Create(_ context.Context, cmd CreateRoleMapping) (handlers.Result, error) {
	const op = "create role mapping"
	role, err := h.checkWrite(cmd.Caller, op, cmd.PrincipalID, cmd.Role)
	if err != nil {
		return handlers.Result{}, err
	}
	if _, ok, err := h.view.Get(cmd.Caller.Tenant, cmd.PrincipalID); err != nil {
		return handlers.Result{}, fmt.Errorf("%w: %s: %v", handlers.ErrUnavailable, op, err)
	} else if ok {
		return handlers.Result{}, fmt.Errorf("%w: %s: %s has a role already", handlers.ErrConflict, op, cmd.PrincipalID)
	}
	return h.result(EventCreated, cmd.Caller, Mapping{PrincipalID: cmd.PrincipalID, Role: role}), nil
}

// Update handles UpdateRoleMapping.
func (h *Handlers) Update(_ context.Context, cmd UpdateRoleMapping) (handlers.Result, error) {
	const op = "update role mapping"
	role, err := h.checkWrite(cmd.Caller, op, cmd.PrincipalID, cmd.Role)
	if err != nil {
		return handlers.Result{}, err
	}
	if _, err := h.existing(cmd.Caller, op, cmd.PrincipalID); err != nil {
		return handlers.Result{}, err
	}
	return h.result(EventUpdated, cmd.Caller, Mapping{PrincipalID: cmd.PrincipalID, Role: role}), nil
}

// Delete handles DeleteRoleMapping.
func (h *Handlers) Delete(_ context.Context, cmd DeleteRoleMapping) (handlers.Result, error) {
	m, err := h.existing(cmd.Caller, "delete role mapping", cmd.PrincipalID)
	if err != nil {
		return handlers.Result{}, err
	}
	r := h.result(EventDeleted, cmd.Caller, m)
	r.Reply = nil
	return r, nil
}

func (h *Handlers) checkWrite(c handlers.Caller, op, principal, role string) (string, error) {
	if err := h.admin(c, op); err != nil {
		return "", err
	}
	if err := checkPrincipal(principal); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	r, err := ParseRole(role)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return r, nil
}

func (h *Handlers) existing(c handlers.Caller, op, principal string) (Mapping, error) {
	if err := h.admin(c, op); err != nil {
		return Mapping{}, err
	}
	if err := checkPrincipal(principal); err != nil {
		return Mapping{}, fmt.Errorf("%s: %w", op, err)
	}
	m, ok, err := h.view.Get(c.Tenant, principal)
	if err != nil {
		return Mapping{}, fmt.Errorf("%w: %s: %v", handlers.ErrUnavailable, op, err)
	}
	if !ok {
		return Mapping{}, fmt.Errorf("%w: %s: no role mapping for %s", handlers.ErrNotFound, op, principal)
	}
	return m, nil
}

func (h *Handlers) result(typ string, c handlers.Caller, m Mapping) handlers.Result {
	return handlers.Result{
		Events: []events.Outcome{{
			Type: typ, Tenant: c.Tenant, Subject: "rolemappings/" + c.Tenant,
			Data: map[string]any{"subject": m.PrincipalID, "role": m.Role, "actor": c.Subject},
		}},
		Reply: m,
	}
}
