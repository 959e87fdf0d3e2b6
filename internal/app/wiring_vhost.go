package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
)

// registerVirtualHostHandlers binds the virtual-host commands (seed 004) to
// their handlers, which read hosts from the projection in db (with beats,
// the heartbeats it may not have applied yet, laid over it, and hosts
// decoded in hosts, which the projection keeps current) and keep
// private material in store. It refuses to start when events.ClearFields
// would hash the public data the projection is rebuilt from. Handler names
// are consumer identities: never rename one casually.
func registerVirtualHostHandlers(b *bus.Bus, q *query.Dispatcher, store handlers.SecretStore, db *bolt.DB, beats *vhost.Beats, hosts *vhost.HostCache, cfg vhost.Config) (*vhost.Handlers, error) {
	if err := vhost.CheckClearFields(events.ClearFields, events.VirtualHostClearFields); err != nil {
		return nil, err
	}
	view, err := vhost.NewView(db, hosts)
	if err != nil {
		return nil, err
	}
	h, err := vhost.New(cfg, store, view, beats)
	if err != nil {
		return nil, err
	}
	if err := errors.Join(
		bus.Handle(b, "vhost.create", h.Create),
		read(q, "vhost.get", h.Get),
		bus.Handle(b, "vhost.delete", h.Delete),
		bus.Handle(b, "vhost.server.heartbeat", h.Heartbeat),
		bus.Handle(b, "vhost.server.delete", h.DeleteServer),
		bus.Handle(b, "vhost.servers.compact", h.Compact),
		bus.Handle(b, "vhost.recrypt", h.Recrypt),
	); err != nil {
		return nil, err
	}
	return h, nil
}

// compactionCaller is whom the compaction job acts as: the service itself,
// with the platform admin role the command requires (it compacts every
// tenant's hosts), in no tenant.
func compactionCaller(cfg vhost.Config) vhost.Auth {
	return vhost.Auth{Auth: handlers.Auth{Caller: handlers.Caller{Subject: "system:vhost-compaction", Roles: []string{cfg.PlatformAdminRole}}}}
}

// runVirtualHostCompaction sends vhost.CompactServers every
// cfg.CompactEvery once the bus runs, until ctx ends. A failed run is
// logged and retried at the next tick: stale servers are hidden anyway.
func runVirtualHostCompaction(ctx context.Context, b *bus.Bus, cfg vhost.Config, logger *slog.Logger) error {
	select {
	case <-b.Running():
	case <-ctx.Done():
		return nil
	}
	every(ctx, cfg.CompactEvery, logger, "virtual-host compaction failed", func(ctx context.Context) error {
		reply, err := b.Send(ctx, &vhost.CompactServers{Auth: compactionCaller(cfg)}, bus.Envelope{})
		if err == nil {
			err = reply.Error.Err()
		}
		if err != nil {
			return fmt.Errorf("compact servers: %w", err)
		}
		return nil
	})
	return nil
}
