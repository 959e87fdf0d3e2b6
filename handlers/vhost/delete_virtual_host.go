package vhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// DeleteVirtualHost removes a host, its servers and its private material
// (seed 004, DELETE virtualHost/{vh}): an owner or a platform admin on a
// secure host.
type DeleteVirtualHost struct {
	Auth
	Name string `json:"name"`
}

// Delete handles DeleteVirtualHost. The private material is destroyed
// before the event exists: a failure to destroy leaves the host as it was.
// Should the event then fail to commit, the host stays listed without its
// material until deleted again (a second delete tolerates the material
// being gone).
func (h *Handlers) Delete(ctx context.Context, cmd DeleteVirtualHost) (handlers.Result, error) {
	const op = "delete virtual host"
	name, err := NormalizeName(cmd.Name)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	host, err := h.pending.begin(ctx, name, true)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.delete(ctx, cmd.Auth, host, op); err != nil {
		h.pending.finish(name, false, nil, "")
		return handlers.Result{}, err
	}
	h.pending.finish(name, true, nil, host.ID)
	return handlers.Result{Events: []events.Outcome{{
		Type: events.VirtualHostDeleted, Tenant: host.Tenant, Subject: subject(name),
		Data: map[string]any{"name": name, "id": host.ID, "actor": cmd.Caller.Subject},
	}}}, nil
}

func (h *Handlers) delete(ctx context.Context, a Auth, host Host, op string) error {
	if err := h.roles.mayChange(a, host, op); err != nil {
		return err
	}
	if !host.Secure() {
		return nil
	}
	caller, ok := h.roles.materialCaller(a, host)
	if !ok {
		return fmt.Errorf("%s: %w: the private material of %s is in another tenant's store; delete it as a member of that tenant (an owner, or a platform admin in its group)", op, handlers.ErrForbidden, host.Name)
	}
	p, err := h.path(host)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := h.store.Destroy(ctx, caller, p); err != nil && !errors.Is(err, handlers.ErrNotFound) {
		return fmt.Errorf("%s: private material: %w", op, err)
	}
	return nil
}
