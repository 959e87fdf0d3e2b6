package vhost

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Handlers handles the virtual-host commands. Host state comes from the
// projection (HostReader), overlaid with the changes this instance made that
// the projection may not show yet (pending); private material lives in the
// secret store, read and written for the caller.
type Handlers struct {
	cfg     Config
	roles   roles
	store   handlers.SecretStore
	hosts   HostReader // the projection with beats laid over it
	beats   *Beats
	pending *pending
}

// New checks cfg (after defaults) and refuses nil dependencies. beats must
// be the set the projection reading into hosts reports to
// (NewProjection), or heartbeats would override it for beatTTL.
func New(cfg Config, store handlers.SecretStore, hosts HostReader, beats *Beats) (*Handlers, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil || hosts == nil || beats == nil {
		return nil, errors.New("vhost: nil secret store, host reader or beats")
	}
	hosts = withBeats{HostReader: hosts, beats: beats}
	return &Handlers{
		cfg: cfg, roles: roles{
			admin: cfg.AdminRole, platform: cfg.PlatformAdminRole, readOnly: cfg.ReadOnlyRole, developer: cfg.DeveloperRole,
			ownerTypes: maps.Clone(cfg.OwnerTypes),
		},
		store: store, hosts: hosts, beats: beats, pending: newPending(hosts, cfg.Now),
	}, nil
}

// Config is the configuration in use, defaults applied.
func (h *Handlers) Config() Config { return h.cfg }

// Queries answers the reads REST serves from the projection alone.
func (h *Handlers) Queries() *Queries { return &Queries{hosts: h.hosts, now: h.cfg.Now} }

// path is where a host's private material is stored.
func (h *Handlers) path(host Host) (secretpath.Path, error) {
	p, err := secretpath.New(h.cfg.Scope, host.Tenant, host.Name)
	if err != nil {
		return p, fmt.Errorf("%w: %w", handlers.ErrInvalid, err)
	}
	return p, nil
}

// lookup normalises name and returns the host as this instance knows it.
func (h *Handlers) lookup(ctx context.Context, op, name string) (Host, error) {
	n, err := NormalizeName(name)
	if err != nil {
		return Host{}, fmt.Errorf("%s: %w", op, err)
	}
	host, err := h.pending.lookup(ctx, n)
	if err != nil {
		return Host{}, fmt.Errorf("%s: %w", op, err)
	}
	return host, nil
}

func subject(name string) string { return "virtual-host/" + name }

func serverSubject(name, id string) string { return subject(name) + "/server/" + id }

func (h *Handlers) nowMillis() int64 { return h.cfg.Now().UnixMilli() }

func (h *Handlers) now() time.Time { return h.cfg.Now().UTC() }
