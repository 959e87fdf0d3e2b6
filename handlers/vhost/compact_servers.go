package vhost

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// MaxCompaction bounds the servers one compaction removes, so that one
// event stays small; the next run takes the rest.
const MaxCompaction = 1000

// CompactServers removes the servers that have not heartbeat for their
// host's timeout plus Config.CompactAfter. The compaction job sends it as an
// admin; until then stale servers are only hidden.
type CompactServers struct {
	Auth
}

// CompactReply says how many servers a compaction removed.
type CompactReply struct {
	Count int `json:"count"`
}

// Compact handles CompactServers. The event names each server with the
// heartbeat it was judged by: the projection keeps a server that heartbeat
// again in between.
func (h *Handlers) Compact(ctx context.Context, cmd CompactServers) (handlers.Result, error) {
	const op = "compact servers"
	if !h.roles.isPlatform(cmd.Auth) {
		return handlers.Result{}, fmt.Errorf("%s: %w: platform admin only", op, handlers.ErrForbidden)
	}
	dead, err := h.hosts.Dead(ctx, h.now(), h.cfg.CompactAfter, MaxCompaction)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if dead == nil {
		dead = []ServerRef{}
	}
	return handlers.Result{
		Events: []events.Outcome{{
			Type: events.VirtualHostServersCompacted, Tenant: cmd.Caller.Tenant, Subject: "virtual-host",
			Data: map[string]any{"count": len(dead), "servers": dead, "horizonSecs": int64(h.cfg.CompactAfter.Seconds()), "actor": cmd.Caller.Subject},
		}},
		Reply: CompactReply{Count: len(dead)},
	}, nil
}
