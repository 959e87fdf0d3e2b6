package handlers

import (
	"context"

	"github.com/hypo-registry/registry/events"
)

// CreateImagePullSecret stores a new image-pull secret; an existing name is
// ErrConflict.
type CreateImagePullSecret struct {
	Auth
	Name     string `json:"name"`
	Username string `json:"username"`
	Password string `json:"password"`
	URL      string `json:"url,omitempty"`
}

// Create handles CreateImagePullSecret.
func (h *ImagePullSecrets) Create(ctx context.Context, cmd CreateImagePullSecret) (Result, error) {
	p, err := imagePullPath(cmd.Caller, cmd.Name)
	if err != nil {
		return Result{}, err
	}
	if err := checkCredentialFields(cmd.Username, cmd.Password, cmd.URL, true); err != nil {
		return Result{}, err
	}
	data := SecretData{"username": cmd.Username, "password": cmd.Password}
	if cmd.URL != "" {
		data["url"] = cmd.URL
	}
	absent := 0
	meta, err := h.store.Write(ctx, cmd.Caller, p, data, &absent)
	if err != nil {
		return Result{}, storeErr("create image-pull secret", p, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: events.ImagePullSecretCreated, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{
				"name": p.Name, "version": meta.CurrentVersion, "actor": cmd.Caller.Subject,
				"username": cmd.Username, "password": cmd.Password, "url": cmd.URL,
			},
		}},
		Reply: SecretWritten{Name: p.Name, Version: meta.CurrentVersion, CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime},
	}, nil
}
