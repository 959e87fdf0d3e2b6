package vhost

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// RecryptVirtualHosts re-seals every secure host's private material under
// the secret store's newest at-rest key (seed 004, admin/virtualHostRecrypt):
// the step between rotating the key and retiring the old one. Platform
// admin only.
type RecryptVirtualHosts struct {
	Auth
}

// RecryptReply maps each secure host to "OK" or "Error: …" (seed 004).
type RecryptReply struct {
	Result map[string]string `json:"result"`
}

// Recrypt handles RecryptVirtualHosts. Each host's current material is read
// (under whichever key sealed it) and written back as a new version, which
// the store seals under its current key; the check-and-set makes a host
// changed meanwhile an error rather than a lost update. The store confines
// the caller to its tenant, so hosts of other tenants are reported as
// errors unless the platform admin's token lists that tenant's group.
func (h *Handlers) Recrypt(ctx context.Context, cmd RecryptVirtualHosts) (handlers.Result, error) {
	const op = "recrypt virtual hosts"
	if !h.roles.isPlatform(cmd.Auth) {
		return handlers.Result{}, fmt.Errorf("%s: %w: platform admin only", op, handlers.ErrForbidden)
	}
	hosts, err := h.hosts.Hosts(ctx)
	if err != nil {
		return handlers.Result{}, fmt.Errorf("%s: %w", op, err)
	}
	result := map[string]string{}
	done := []string{}
	failures := []map[string]any{}
	for _, host := range hosts {
		if !host.Secure() {
			continue
		}
		if err := h.recrypt(ctx, cmd.Auth, host); err != nil {
			result[host.Name] = "Error: " + err.Error()
			failures = append(failures, map[string]any{"name": host.Name, "message": err.Error()})
			continue
		}
		result[host.Name] = "OK"
		done = append(done, host.Name)
	}
	return handlers.Result{
		Events: []events.Outcome{{
			Type: events.VirtualHostsRecrypted, Tenant: cmd.Caller.Tenant, Subject: "virtual-host",
			Data: map[string]any{"names": done, "failures": failures, "count": len(done), "actor": cmd.Caller.Subject},
		}},
		Reply: RecryptReply{Result: result},
	}, nil
}

func (h *Handlers) recrypt(ctx context.Context, a Auth, host Host) error {
	caller, ok := h.roles.materialCaller(a, host)
	if !ok {
		return fmt.Errorf("private material is in another tenant's store: recrypt as a platform admin in that tenant's group")
	}
	p, err := h.path(host)
	if err != nil {
		return err
	}
	sec, err := h.store.Read(ctx, caller, p, 0)
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	cas := sec.Version
	if _, err := h.store.Write(ctx, caller, p, sec.Data, &cas); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}
