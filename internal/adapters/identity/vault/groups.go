package vault

import (
	"context"
	"errors"
	"fmt"

	"github.com/hypo-registry/registry/handlers"
)

// CreateGroup makes an external group holding g's policies and metadata,
// then its alias GroupAliasPrefix+g.Name on the JWT mount, and returns the
// group as stored (policies lower case, deduplicated, sorted). An existing
// group of that name, or an alias of that name held by another group, is
// ErrConflict. If the alias cannot be made, the group is deleted again.
//
// Vault has no create-only write for groups: a group of the same name made
// between the check and the write is updated by it instead, and reported as
// ErrConflict.
func (a *Admin) CreateGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	out, err := a.createGroup(ctx, g)
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("vaultidentity create group %q", g.Name), err)
	}
	return out, nil
}

func (a *Admin) createGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	g, err := handlers.NormaliseGroup(g)
	if err != nil {
		return handlers.Group{}, err
	}
	switch _, err := a.readGroup(ctx, g.Name); {
	case err == nil:
		return handlers.Group{}, fmt.Errorf("%w: group %q exists", handlers.ErrConflict, g.Name)
	case !isNotFound(err):
		return handlers.Group{}, err
	}
	alias := a.cfg.GroupAliasPrefix + g.Name
	if err := a.aliasFree(ctx, alias); err != nil {
		return handlers.Group{}, err
	}
	secret, err := a.client.Logical().WriteWithContext(ctx, "identity/group", map[string]any{
		"name": g.Name, "type": "external", "policies": g.Policies, "metadata": metadata(g),
	})
	if err != nil {
		return handlers.Group{}, vaultErr(err)
	}
	id, _ := secretField(secret, "id")
	if id == "" {
		// Vault answers an update of an existing group with no body.
		return handlers.Group{}, fmt.Errorf("%w: group %q appeared concurrently", handlers.ErrConflict, g.Name)
	}
	_, err = a.client.Logical().WriteWithContext(ctx, "identity/group-alias", map[string]any{
		"name": alias, "mount_accessor": a.accessor, "canonical_id": id,
	})
	if err != nil {
		err = fmt.Errorf("create alias %q on mount %q: %w", alias, a.cfg.JWTMount, vaultErr(err))
		return handlers.Group{}, errors.Join(err, a.rollback(ctx, id))
	}
	return g, nil
}

// aliasFree refuses an alias another group holds already: Vault would
// refuse it only after the group was made.
func (a *Admin) aliasFree(ctx context.Context, alias string) error {
	secret, err := a.client.Logical().WriteWithContext(ctx, "identity/lookup/group", map[string]any{
		"alias_name": alias, "alias_mount_accessor": a.accessor,
	})
	if err != nil {
		return fmt.Errorf("look up alias %q: %w", alias, vaultErr(err))
	}
	if holder, _ := secretField(secret, "name"); holder != "" {
		return fmt.Errorf("%w: alias %q on mount %q is held by group %q", handlers.ErrConflict, alias, a.cfg.JWTMount, holder)
	}
	return nil
}

// rollback deletes a group whose alias could not be made, so no group
// exists that tokens do not map to. It runs even if ctx was cancelled.
func (a *Admin) rollback(ctx context.Context, id string) error {
	_, err := a.client.Logical().DeleteWithContext(context.WithoutCancel(ctx), "identity/group/id/"+id)
	if err != nil {
		return fmt.Errorf("delete half-made group %s: %w", id, vaultErr(err))
	}
	return nil
}

// GetGroup returns the group called name, or ErrNotFound.
func (a *Admin) GetGroup(ctx context.Context, name string) (handlers.Group, error) {
	err := handlers.CheckGroupName(name)
	var sg storedGroup
	if err == nil {
		sg, err = a.readGroup(ctx, name)
	}
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("vaultidentity get group %q", name), err)
	}
	return sg.Group, nil
}

// UpdateGroup replaces the policies and metadata of an existing group, or
// returns ErrNotFound. It writes by id: a write by name would create a
// group, without alias, had it been deleted meanwhile.
func (a *Admin) UpdateGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	out, err := handlers.NormaliseGroup(g)
	var sg storedGroup
	if err == nil {
		sg, err = a.readGroup(ctx, out.Name)
	}
	if err == nil {
		_, err = a.client.Logical().WriteWithContext(ctx, "identity/group/id/"+sg.ID, map[string]any{
			"policies": out.Policies, "metadata": metadata(out),
		})
		err = wrapVault(err)
		out.Name = sg.Name // as created: Vault matches names case-insensitively
	}
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("vaultidentity update group %q", g.Name), err)
	}
	return out, nil
}

// DeleteGroup deletes the group called name and with it its alias, or
// returns ErrNotFound (Vault itself answers a delete of a missing group with
// success).
func (a *Admin) DeleteGroup(ctx context.Context, name string) error {
	err := handlers.CheckGroupName(name)
	var sg storedGroup
	if err == nil {
		sg, err = a.readGroup(ctx, name)
	}
	if err == nil {
		_, err = a.client.Logical().DeleteWithContext(ctx, "identity/group/id/"+sg.ID)
		err = wrapVault(err)
	}
	if err != nil {
		return handlers.OpErr(fmt.Sprintf("vaultidentity delete group %q", name), err)
	}
	return nil
}

// metadata is g's metadata as sent: never nil, so an update clears it.
func metadata(g handlers.Group) map[string]string {
	if g.Metadata == nil {
		return map[string]string{}
	}
	return g.Metadata
}
