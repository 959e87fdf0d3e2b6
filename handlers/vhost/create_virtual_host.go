package vhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// CreateVirtualHost adds a virtual host (seed 004, POST virtualHost).
// SecurityData is kept raw so that an unknown plugin is refused here, by
// name. Timeout and ServerTimeoutSecs are the two names of one field.
type CreateVirtualHost struct {
	Auth
	Name              string                     `json:"name"`
	Scheme            string                     `json:"scheme,omitempty"`
	Port              int                        `json:"port,omitempty"`
	Timeout           *int64                     `json:"timeout,omitempty"`
	ServerTimeoutSecs *int64                     `json:"serverTimeoutSecs,omitempty"`
	Owners            []string                   `json:"owner,omitempty"`
	SecurityData      map[string]json.RawMessage `json:"securityData,omitempty"`
}

// leftoverAge is how old private material found under a new host's name
// must be to count as left by an interrupted create (then it is replaced)
// rather than written by a create still running on another instance.
const leftoverAge = time.Minute

// Create handles CreateVirtualHost. The reply is the host as its creator
// sees it: the private view for an owner or platform admin of a secure host,
// with the dname and validity its certificate was made with (seed 004's
// example response).
func (h *Handlers) Create(ctx context.Context, cmd CreateVirtualHost) (handlers.Result, error) {
	const op = "create virtual host"
	host, ssl, err := h.newHost(cmd)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := h.roles.mayWrite(cmd.Auth, op); err != nil {
		return handlers.Result{}, err
	}
	if ssl != nil && !h.roles.isPlatform(cmd.Auth) && !h.roles.ownedBy(cmd.Auth, host) {
		why := ""
		if types := h.roles.unmapped(host.Owners); len(types) > 0 {
			why = fmt.Sprintf(" (owners of type %s match nobody here: this deployment maps no token claim to it)", strings.Join(types, ", "))
		}
		return handlers.Result{}, fmt.Errorf("%s: %w: a secure virtual host must list its creator among its owners, unless a platform admin creates it%s", op, handlers.ErrForbidden, why)
	}
	if _, err := h.pending.begin(ctx, host.Name, false); err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	res, err := h.create(ctx, cmd.Auth, host, ssl)
	if err != nil {
		h.pending.finish(host.Name, false, nil, "")
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	h.pending.finish(host.Name, true, &host, "")
	return res, nil
}

// newHost applies seed 004's rules to the command.
func (h *Handlers) newHost(cmd CreateVirtualHost) (Host, *SSLConfig, error) {
	name, err := NormalizeName(cmd.Name)
	if err != nil {
		return Host{}, nil, err
	}
	if err := checkScheme(cmd.Scheme); err != nil {
		return Host{}, nil, err
	}
	if err := checkPort("port", cmd.Port); err != nil {
		return Host{}, nil, err
	}
	timeout, err := h.timeout(cmd.Timeout, cmd.ServerTimeoutSecs)
	if err != nil {
		return Host{}, nil, err
	}
	if err := checkOwners(cmd.Owners); err != nil {
		return Host{}, nil, err
	}
	ssl, err := parseSecurityData(cmd.SecurityData)
	if err != nil {
		return Host{}, nil, err
	}
	switch {
	case ssl != nil && len(cmd.Owners) == 0:
		return Host{}, nil, fmt.Errorf("%w: a secure virtual host (with securityData) needs at least one owner", handlers.ErrInvalid)
	case ssl == nil && len(cmd.Owners) > 0:
		return Host{}, nil, fmt.Errorf("%w: owners are only allowed on a secure virtual host (one with securityData)", handlers.ErrInvalid)
	case ssl != nil && cmd.Caller.Tenant == "":
		return Host{}, nil, fmt.Errorf("%w: a secure virtual host needs a caller with a tenant to hold its private material", handlers.ErrForbidden)
	}
	host := Host{
		Name: name, ID: uuid.NewString(), Tenant: cmd.Caller.Tenant, Scheme: cmd.Scheme, Port: cmd.Port,
		Timeout: timeout, Owners: cmd.Owners, Created: h.now().Truncate(time.Millisecond),
	}
	return host, ssl, nil
}

// timeout resolves the host's server timeout from its two names.
func (h *Handlers) timeout(timeout, serverTimeoutSecs *int64) (time.Duration, error) {
	secs := timeout
	if serverTimeoutSecs != nil {
		if timeout != nil && *timeout != *serverTimeoutSecs {
			return 0, fmt.Errorf("%w: timeout and serverTimeoutSecs differ; give one", handlers.ErrInvalid)
		}
		secs = serverTimeoutSecs
	}
	if secs == nil {
		return h.cfg.DefaultTimeout, nil
	}
	maxSecs := int64(h.cfg.MaxTimeout / time.Second)
	if *secs < 1 || *secs > maxSecs {
		return 0, fmt.Errorf("%w: timeout must be 1 to %d seconds", handlers.ErrInvalid, maxSecs)
	}
	return time.Duration(*secs) * time.Second, nil
}

// create makes the keystore of a secure host, stores it, and returns the
// outcome.
func (h *Handlers) create(ctx context.Context, a Auth, host Host, ssl *SSLConfig) (handlers.Result, error) {
	data := map[string]any{"name": host.Name, "id": host.ID, "tenant": host.Tenant, "actor": a.Caller.Subject}
	var private *material
	if ssl != nil {
		m, cert, err := generateSSL(*ssl, host.Name, h.cfg.KeyAlgorithm, h.now())
		if err != nil {
			return handlers.Result{}, err
		}
		host.Cert = cert
		version, err := h.storeNew(ctx, a, host, m)
		if err != nil {
			return handlers.Result{}, err
		}
		data["version"] = version
		private = &m
	}
	data["virtualHost"] = recordOf(host)
	if !h.roles.seesPrivate(a, host) {
		private = nil
	}
	view := host.view(private)
	if ssl != nil {
		// Seed 004's example response: the options the host was made
		// with. Public, as the certificate holds them.
		opts := ssl.withDefaults()
		view.SecurityData.SelfSignedSSL.DName, view.SecurityData.SelfSignedSSL.Validity = opts.DName, opts.Validity
	}
	return handlers.Result{
		Events: []events.Outcome{{Type: events.VirtualHostCreated, Tenant: host.Tenant, Subject: subject(host.Name), Data: data}},
		Reply:  HostReply{VirtualHost: view},
	}, nil
}

// storeNew writes a new host's material, replacing only material left by
// an interrupted create (older than leftoverAge).
func (h *Handlers) storeNew(ctx context.Context, a Auth, host Host, m material) (int, error) {
	p, err := h.path(host)
	if err != nil {
		return 0, err
	}
	zero := 0
	meta, err := h.store.Write(ctx, a.Caller, p, m.data(), &zero)
	if errors.Is(err, handlers.ErrConflict) {
		old, merr := h.store.Metadata(ctx, a.Caller, p)
		if merr != nil {
			return 0, fmt.Errorf("private material: %w", merr)
		}
		if h.now().Sub(old.UpdatedTime) < leftoverAge {
			return 0, fmt.Errorf("%w: virtual host %s is being created by another request", handlers.ErrConflict, host.Name)
		}
		cas := old.CurrentVersion
		meta, err = h.store.Write(ctx, a.Caller, p, m.data(), &cas)
	}
	if err != nil {
		return 0, fmt.Errorf("private material: %w", err)
	}
	return meta.CurrentVersion, nil
}
