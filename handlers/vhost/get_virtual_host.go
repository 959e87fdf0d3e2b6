package vhost

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// GetVirtualHost reads one host (seed 004, GET virtualHost/{vh}): the
// private view for its owners and admins (of the tenant holding its
// material), the public view for everyone else. Every read is an event.
type GetVirtualHost struct {
	Auth
	Name string `json:"name"`
}

// Get handles GetVirtualHost.
func (h *Handlers) Get(ctx context.Context, cmd GetVirtualHost) (handlers.Result, error) {
	const op = "get virtual host"
	host, err := h.lookup(ctx, op, cmd.Name)
	if err != nil {
		return handlers.Result{}, err
	}
	var private *material
	if h.roles.seesPrivate(cmd.Auth, host) {
		m, err := h.readMaterial(ctx, cmd.Auth, host)
		if err != nil {
			return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
		}
		private = &m
	}
	return handlers.Result{
		Events: []events.Outcome{{
			Type: events.VirtualHostRead, Tenant: host.Tenant, Subject: subject(host.Name),
			Data: map[string]any{"name": host.Name, "id": host.ID, "private": private != nil, "actor": cmd.Caller.Subject},
		}},
		Reply: HostReply{VirtualHost: host.view(private)},
	}, nil
}

func (h *Handlers) readMaterial(ctx context.Context, a Auth, host Host) (material, error) {
	p, err := h.path(host)
	if err != nil {
		return material{}, err
	}
	sec, err := h.store.Read(ctx, a.Caller, p, 0)
	if err != nil {
		return material{}, fmt.Errorf("private material of %s: %w", host.Name, err)
	}
	return materialOf(sec.Data), nil
}
