package handlers

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/events"
)

// UpdateImagePullSecret merges the given fields into an existing secret
// (PATCH semantics: a nil field keeps its value). The write is
// check-and-set on the version read, so a concurrent update is ErrConflict
// rather than lost.
type UpdateImagePullSecret struct {
	Auth
	Name     string  `json:"name"`
	Username *string `json:"username,omitempty"`
	Password *string `json:"password,omitempty"`
	URL      *string `json:"url,omitempty"`
}

// Update handles UpdateImagePullSecret.
func (h *ImagePullSecrets) Update(ctx context.Context, cmd UpdateImagePullSecret) (Result, error) {
	p, err := imagePullPath(cmd.Caller, cmd.Name)
	if err != nil {
		return Result{}, err
	}
	fields := changedFields(cmd.Username, cmd.Password, cmd.URL)
	if len(fields) == 0 {
		return Result{}, fmt.Errorf("%w: update image-pull secret %s: no field to change (username, password, url)", ErrInvalid, p.Name)
	}
	cur, err := h.store.Read(ctx, cmd.Caller, p, 0)
	if err != nil {
		return Result{}, storeErr("update image-pull secret", p, err)
	}
	data := SecretData{}
	for k, v := range cur.Data {
		data[k] = v
	}
	event := map[string]any{"name": p.Name, "fields": fields, "actor": cmd.Caller.Subject}
	set := func(key string, v *string) {
		if v != nil {
			data[key] = *v
			event[key] = *v
		}
	}
	set("username", cmd.Username)
	set("password", cmd.Password)
	set("url", cmd.URL)
	if data["url"] == "" {
		delete(data, "url")
	}
	if err := checkCredentialFields(data["username"], data["password"], data["url"], true); err != nil {
		return Result{}, err
	}
	version := cur.Metadata.CurrentVersion
	meta, err := h.store.Write(ctx, cmd.Caller, p, data, &version)
	if err != nil {
		return Result{}, storeErr("update image-pull secret", p, err)
	}
	event["version"] = meta.CurrentVersion
	return Result{
		Events: []events.Outcome{{Type: events.ImagePullSecretUpdated, Tenant: p.Tenant, Subject: subject(p), Data: event}},
		Reply:  SecretWritten{Name: p.Name, Version: meta.CurrentVersion, CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime},
	}, nil
}
