package vhost

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// DeleteServer removes a server from a host (seed 004, DELETE
// virtualHost/{vh}/server/{server}), under the rules of a heartbeat. A
// stale server can be deleted: it is hidden, not gone.
type DeleteServer struct {
	Auth
	Name     string `json:"name"`
	ServerID string `json:"serverId"`
}

// DeleteServer handles DeleteServer.
func (h *Handlers) DeleteServer(ctx context.Context, cmd DeleteServer) (handlers.Result, error) {
	const op = "delete server"
	if err := CheckServerID(cmd.ServerID); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	host, err := h.lookup(ctx, op, cmd.Name)
	if err != nil {
		return handlers.Result{}, err
	}
	if err := h.roles.mayChange(cmd.Auth, host, op); err != nil {
		return handlers.Result{}, err
	}
	if _, err := h.hosts.Server(ctx, host.Name, cmd.ServerID); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	return handlers.Result{Events: []events.Outcome{{
		Type: events.VirtualHostServerDeleted, Tenant: host.Tenant, Subject: serverSubject(host.Name, cmd.ServerID),
		Data: map[string]any{"name": host.Name, "id": cmd.ServerID, "actor": cmd.Caller.Subject},
	}}}, nil
}
