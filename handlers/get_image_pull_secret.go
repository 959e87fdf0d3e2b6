package handlers

import (
	"context"

	"github.com/hypo-registry/registry/events"
)

// GetImagePullSecret reads an image-pull secret, values included. Every read
// is an event, so the audit log shows who read which secret when.
type GetImagePullSecret struct {
	Auth
	Name string `json:"name"`
}

// Get handles GetImagePullSecret.
func (h *ImagePullSecrets) Get(ctx context.Context, cmd GetImagePullSecret) (Result, error) {
	p, err := imagePullPath(cmd.Caller, cmd.Name)
	if err != nil {
		return Result{}, err
	}
	s, err := h.store.Read(ctx, cmd.Caller, p, 0)
	if err != nil {
		return Result{}, storeErr("read image-pull secret", p, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.ImagePullSecretRead, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{"name": p.Name, "version": s.Version, "actor": cmd.Caller.Subject},
		}},
		Reply: RegistryCredential{
			Name: p.Name, Username: s.Data["username"], Password: s.Data["password"], URL: s.Data["url"],
			Version: s.Version, CreatedTime: s.Metadata.CreatedTime, UpdatedTime: s.Metadata.UpdatedTime,
		},
	}, nil
}
