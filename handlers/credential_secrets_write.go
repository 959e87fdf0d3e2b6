package handlers

import (
	"context"
	"fmt"
	"maps"

	"github.com/hypo-registry/registry/events"
)

// create stores a new secret; an existing name (for a derived key: any name
// with the same key) is ErrConflict.
func (s credentialSecrets) create(ctx context.Context, c Caller, name string, f credentialFields) (Result, error) {
	p, err := s.path(c, name)
	if err != nil {
		return Result{}, err
	}
	if err := checkCredentialFields(f.username, f.password, f.url, true); err != nil {
		return Result{}, err
	}
	data := SecretData{"username": f.username, "password": f.password}
	if f.url != "" {
		data["url"] = f.url
	}
	if s.kind.key != nil {
		data[nameKey] = name
	}
	absent := 0
	meta, err := s.store.Write(ctx, c, p, data, &absent)
	if err != nil {
		return Result{}, nameErr("create "+s.kind.noun, name, err)
	}
	ev := map[string]any{
		"name": name, "version": meta.CurrentVersion, "actor": c.Subject,
		"username": f.username, "password": f.password,
	}
	if s.kind.withURL {
		ev["url"] = f.url
	}
	return Result{
		Events: []events.Outcome{{Type: s.kind.created, Tenant: p.Tenant, Subject: subject(p), Data: ev}},
		Reply:  SecretWritten{Name: name, Version: meta.CurrentVersion, CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime},
	}, nil
}

// update merges the given fields into an existing secret (PATCH semantics).
// The write is check-and-set on the version read, so a concurrent update is
// ErrConflict rather than lost.
func (s credentialSecrets) update(ctx context.Context, c Caller, name string, f credentialPatch) (Result, error) {
	p, err := s.path(c, name)
	if err != nil {
		return Result{}, err
	}
	op := "update " + s.kind.noun
	if err := s.mayChange(ctx, c, p, op, name); err != nil {
		return Result{}, err
	}
	fields := changedFields(f.username, f.password, f.url)
	if len(fields) == 0 {
		return Result{}, fmt.Errorf("%w: %s %s: no field to change (%s)", ErrInvalid, op, name, s.fieldList())
	}
	cur, err := s.store.Read(ctx, c, p, 0)
	if err != nil {
		return Result{}, nameErr(op, name, err)
	}
	data := maps.Clone(cur.Data)
	if data == nil {
		data = SecretData{}
	}
	event := map[string]any{"name": name, "fields": fields, "actor": c.Subject}
	set := func(key string, v *string) {
		if v != nil {
			data[key] = *v
			event[key] = *v
		}
	}
	set("username", f.username)
	set("password", f.password)
	set("url", f.url)
	if data["url"] == "" {
		delete(data, "url")
	}
	if err := checkCredentialFields(data["username"], data["password"], data["url"], true); err != nil {
		return Result{}, err
	}
	version := cur.Metadata.CurrentVersion
	meta, err := s.store.Write(ctx, c, p, data, &version)
	if err != nil {
		return Result{}, nameErr(op, name, err)
	}
	event["version"] = meta.CurrentVersion
	return Result{
		Events: []events.Outcome{{Type: s.kind.updated, Tenant: p.Tenant, Subject: subject(p), Data: event}},
		Reply: SecretWritten{
			Name: s.shownName(Secret{Data: data}, name), Version: meta.CurrentVersion,
			CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime,
		},
	}, nil
}

func (s credentialSecrets) fieldList() string {
	if s.kind.withURL {
		return "username, password, url"
	}
	return "username, password"
}

// delete removes a secret with every version. The audit log keeps the
// history; the store keeps nothing.
func (s credentialSecrets) delete(ctx context.Context, c Caller, name string) (Result, error) {
	p, err := s.path(c, name)
	if err != nil {
		return Result{}, err
	}
	if err := s.mayChange(ctx, c, p, "delete "+s.kind.noun, name); err != nil {
		return Result{}, err
	}
	if err := s.store.Destroy(ctx, c, p); err != nil {
		return Result{}, nameErr("delete "+s.kind.noun, name, err)
	}
	return Result{
		Events: []events.Outcome{{
			Type: s.kind.deleted, Tenant: p.Tenant, Subject: subject(p),
			Data: map[string]any{"name": name, "actor": c.Subject},
		}},
	}, nil
}
