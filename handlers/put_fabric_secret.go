package handlers

import (
	"context"
	"errors"

	"github.com/hypo-registry/registry/events"
)

// PutFabricSecret creates or replaces a Fabric controller's credentials: the
// Kafka persist topic has no create/update distinction. The event says
// which it was. The write is check-and-set on what was seen, so a concurrent
// writer makes it ErrConflict rather than lost.
type PutFabricSecret struct {
	Auth
	ControllerID string `json:"controllerId"`
	Username     string `json:"username"`
	Password     string `json:"password"`
}

// PutFabric handles PutFabricSecret.
func (h *CredentialRequests) PutFabric(ctx context.Context, cmd PutFabricSecret) (Result, error) {
	const op = "put fabric secret"
	s, c, name := h.fabric.secrets, cmd.Caller, cmd.ControllerID
	p, err := s.path(c, name)
	if err != nil {
		return Result{}, err
	}
	if err := s.mayChange(ctx, c, p, op, name); err != nil {
		return Result{}, err
	}
	if err := checkCredentialFields(cmd.Username, cmd.Password, "", true); err != nil {
		return Result{}, err
	}
	// The current version, 0 when there is none: a version soft-deleted
	// outside this service is replaced, as a put should.
	seen := 0
	meta, err := s.store.Metadata(ctx, c, p)
	switch {
	case err == nil:
		seen = meta.CurrentVersion
	case !errors.Is(err, ErrNotFound):
		return Result{}, nameErr(op, name, err)
	}
	data := SecretData{"username": cmd.Username, "password": cmd.Password}
	meta, err = s.store.Write(ctx, c, p, data, &seen)
	if err != nil {
		return Result{}, nameErr(op, name, err)
	}
	ev := events.Outcome{
		Type: s.kind.created, Tenant: p.Tenant, Subject: subject(p),
		Data: map[string]any{
			"name": name, "version": meta.CurrentVersion, "actor": c.Subject,
			"username": cmd.Username, "password": cmd.Password,
		},
	}
	if seen != 0 {
		ev.Type = s.kind.updated
		ev.Data["fields"] = []string{"password", "username"}
	}
	return Result{
		Events: []events.Outcome{ev},
		Reply:  SecretWritten{Name: name, Version: meta.CurrentVersion, CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime},
	}, nil
}
