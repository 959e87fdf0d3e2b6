package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/secretpath"
)

// ListImagePullSecrets lists the names of the caller's image-pull secrets.
type ListImagePullSecrets struct {
	Auth
}

// List handles ListImagePullSecrets.
func (h *ImagePullSecrets) List(ctx context.Context, cmd ListImagePullSecrets) (Result, error) {
	tenant := cmd.Caller.Tenant
	if err := secretpath.CheckTenant(tenant); err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	names, err := h.store.List(ctx, cmd.Caller, secretpath.ImagePull, tenant)
	if err != nil {
		return Result{}, fmt.Errorf("list image-pull secrets: %w", err)
	}
	if names == nil {
		names = []string{}
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.ImagePullSecretsListed, Tenant: tenant, Subject: tenant + "/" + string(secretpath.ImagePull),
			Data: map[string]any{"count": len(names), "actor": cmd.Caller.Subject},
		}},
		Reply: names,
	}, nil
}
