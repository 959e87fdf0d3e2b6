package handlers

import (
	"context"

	"github.com/hypo-registry/registry/events"
)

// DeleteImagePullSecret removes a secret with every version. The audit log
// keeps the history; the store keeps nothing.
type DeleteImagePullSecret struct {
	Auth
	Name string `json:"name"`
}

// Delete handles DeleteImagePullSecret.
func (h *ImagePullSecrets) Delete(ctx context.Context, cmd DeleteImagePullSecret) (Result, error) {
	p, err := imagePullPath(cmd.Caller, cmd.Name)
	if err != nil {
		return Result{}, err
	}
	if err := h.store.Destroy(ctx, cmd.Caller, p); err != nil {
		return Result{}, storeErr("delete image-pull secret", p, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.ImagePullSecretDeleted, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{"name": p.Name, "actor": cmd.Caller.Subject},
		}},
	}, nil
}
