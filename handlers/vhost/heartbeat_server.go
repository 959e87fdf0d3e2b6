package vhost

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// HeartbeatServer adds a server to a host or renews it (seed 004, PUT
// virtualHost/{vh}/server/{server}): its hb becomes now. Host is required,
// Port optional; on a secure host only an owner or a platform admin may call it.
type HeartbeatServer struct {
	Auth
	Name     string `json:"name"`
	ServerID string `json:"serverId"`
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"`
}

// Heartbeat handles HeartbeatServer. It reads only the projection (and
// this instance's pending changes) and touches no secret, so it stays
// cheap: the event is its only write. Its caller is answered once the event
// is durable, not once the projection has it: until then Beats shows the
// heartbeat to this instance's reads.
func (h *Handlers) Heartbeat(ctx context.Context, cmd HeartbeatServer) (handlers.Result, error) {
	const op = "heartbeat server"
	if err := CheckServerID(cmd.ServerID); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkServerHost(cmd.Host); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := checkPort("server port", cmd.Port); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	host, err := h.lookup(ctx, op, cmd.Name)
	if err != nil {
		return handlers.Result{}, err
	}
	if err := h.roles.mayChange(cmd.Auth, host, op); err != nil {
		return handlers.Result{}, err
	}
	rec := serverRecord{Host: cmd.Host, Port: cmd.Port, HB: h.nowMillis()}
	return handlers.Result{
		Committed: h.beats.stage(host.Name, cmd.ServerID, rec),
		Events: []events.Outcome{{
			Type: events.VirtualHostServerHeartbeat, Tenant: host.Tenant, Subject: serverSubject(host.Name, cmd.ServerID),
			Data: map[string]any{"name": host.Name, "id": cmd.ServerID, "server": rec.eventData(), "actor": cmd.Caller.Subject},
		}},
		Reply: ServerReply{Server: Server{ID: cmd.ServerID, Host: rec.Host, Port: rec.Port, HB: rec.HB}},
	}, nil
}
