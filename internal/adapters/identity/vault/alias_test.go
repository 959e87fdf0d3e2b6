package vault_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	"github.com/hypo-registry/registry/testkit"
)

// TestGroupAlias checks what the contract cannot see: the group is external,
// its alias is prefix+name on the JWT mount, and deleting the group deletes
// the alias.
func TestGroupAlias(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	for name, prefix := range aliasPrefixes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, admin, tenant := t.Context(), newAdmin(t, v, prefix), testkit.RandomTenant(t)
			if _, err := admin.CreateGroup(ctx, handlers.Group{Name: tenant}); err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}
			group, err := v.Admin.Logical().ReadWithContext(ctx, "identity/group/name/"+tenant)
			if err != nil || group == nil {
				t.Fatalf("read group: %v, %v", group, err)
			}
			alias, _ := group.Data["alias"].(map[string]any)
			if group.Data["type"] != "external" || alias["name"] != prefix+tenant || alias["mount_accessor"] != jwtAccessor(t, v) {
				t.Fatalf("group = type %v alias %v, want external with alias %q on the jwt mount", group.Data["type"], alias, prefix+tenant)
			}
			if err := admin.DeleteGroup(ctx, tenant); err != nil {
				t.Fatalf("DeleteGroup: %v", err)
			}
			left, err := v.Admin.Logical().ReadWithContext(ctx, "identity/group-alias/id/"+alias["id"].(string))
			if err != nil || left != nil {
				t.Fatalf("alias after DeleteGroup = %v, %v; want gone", left, err)
			}
		})
	}
}

// TestAliasHeldElsewhereConflicts: an alias another group holds is refused
// before any group is made.
func TestAliasHeldElsewhereConflicts(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	ctx, tenant := t.Context(), testkit.RandomTenant(t)
	holder, err := v.Admin.Logical().WriteWithContext(ctx, "identity/group", map[string]any{
		"name": "holder-" + tenant, "type": "external",
	})
	if err != nil {
		t.Fatalf("create holder group: %v", err)
	}
	if _, err := v.Admin.Logical().WriteWithContext(ctx, "identity/group-alias", map[string]any{
		"name": "/" + tenant, "mount_accessor": jwtAccessor(t, v), "canonical_id": holder.Data["id"],
	}); err != nil {
		t.Fatalf("create holder alias: %v", err)
	}
	admin := newAdmin(t, v, "/")
	_, err = admin.CreateGroup(ctx, handlers.Group{Name: tenant})
	if !errors.Is(err, handlers.ErrConflict) {
		t.Fatalf("CreateGroup with taken alias: err = %v, want ErrConflict", err)
	}
	if _, err := admin.GetGroup(ctx, tenant); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("GetGroup after refused create: err = %v, want ErrNotFound", err)
	}
}

// TestAliasFailureRollsBack: an admin token that may make groups but not
// aliases leaves no group behind.
func TestAliasFailureRollsBack(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	noAlias := strings.Replace(vault.AdminPolicyHCL, `path "identity/group-alias"`, `path "identity/group-alias-none"`, 1)
	admin := newAdminWith(t, v, "", noAlias)
	ctx, tenant := t.Context(), testkit.RandomTenant(t)
	_, err := admin.CreateGroup(ctx, handlers.Group{Name: tenant, Policies: []string{"p"}})
	if !errors.Is(err, handlers.ErrForbidden) {
		t.Fatalf("CreateGroup: err = %v, want ErrForbidden", err)
	}
	if group, err := v.Admin.Logical().ReadWithContext(ctx, "identity/group/name/"+tenant); err != nil || group != nil {
		t.Fatalf("group after failed alias = %v, %v; want none", group, err)
	}
}

func jwtAccessor(t *testing.T, v *testkit.Vault) string {
	t.Helper()
	auths, err := v.Admin.Sys().ListAuthWithContext(t.Context())
	if err != nil {
		t.Fatalf("list auth: %v", err)
	}
	return auths[v.JWTMount+"/"].Accessor
}
