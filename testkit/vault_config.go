package testkit

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// configure sets a fresh dev server up as production runs it: KV v2 at
// v.Mount, JWT auth at v.JWTMount verifying tokens against the OIDC issuer's
// JWKS, and the login role v.Role mapping the groups claim to identity groups.
func (v *Vault) configure(ctx context.Context) error {
	sys, logical := v.Admin.Sys(), v.Admin.Logical()
	err := sys.MountWithContext(ctx, v.Mount, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}})
	if err != nil {
		return fmt.Errorf("mount kv-v2 at %s: %w", v.Mount, err)
	}
	if err := v.waitKV(ctx); err != nil {
		return err
	}
	if err := sys.EnableAuthWithOptionsWithContext(ctx, v.JWTMount, &api.EnableAuthOptions{Type: "jwt"}); err != nil {
		return fmt.Errorf("enable jwt auth at %s: %w", v.JWTMount, err)
	}
	auths, err := sys.ListAuthWithContext(ctx)
	if err != nil {
		return fmt.Errorf("list auth mounts: %w", err)
	}
	mount, ok := auths[v.JWTMount+"/"]
	if !ok {
		return fmt.Errorf("jwt auth mount %s missing after enable", v.JWTMount)
	}
	v.accessor = mount.Accessor
	writes := []struct {
		path string
		data map[string]any
	}{
		{"auth/" + v.JWTMount + "/config", map[string]any{
			"jwks_url": v.OIDC.JWKSURL, "bound_issuer": v.OIDC.URL,
		}},
		{"auth/" + v.JWTMount + "/role/" + v.Role, map[string]any{
			"role_type": "jwt", "user_claim": "sub", "groups_claim": "groups",
			"bound_audiences": []string{Audience}, "token_ttl": "15m", "token_max_ttl": "1h",
			// As deploy/vault/init.sh: the tenant's policy only (README,
			// "Vault role").
			"token_no_default_policy": true,
		}},
	}
	for _, w := range writes {
		if _, err := logical.WriteWithContext(ctx, w.path, w.data); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return nil
}

// waitKV waits out the brief window after mounting in which KV v2 answers
// "upgrading" instead of serving requests.
func (v *Vault) waitKV(ctx context.Context) error {
	for {
		_, err := v.Admin.Logical().ReadWithContext(ctx, v.Mount+"/config")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kv-v2 at %s not ready: %w (last: %w)", v.Mount, ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ProvisionTenant gives tenant what the identity flow gives it in
// production: the ACL policy of secretpath.TenantPolicyHCL, an external
// identity group holding it, and that group's alias on the JWT mount named
// as the tenant appears in the groups claim. Idempotent; replayed by
// Restart.
func (v *Vault) ProvisionTenant(t testing.TB, tenant string) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.tenants[tenant] {
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := v.provisionLocked(ctx, tenant); err != nil {
		t.Fatalf("provision tenant %s: %v", tenant, err)
	}
	v.tenants[tenant] = true
}

func (v *Vault) provisionLocked(ctx context.Context, tenant string) error {
	policy, err := secretpath.TenantPolicyName(tenant)
	if err != nil {
		return err
	}
	hcl, err := secretpath.TenantPolicyHCL(v.Mount, tenant)
	if err != nil {
		return err
	}
	if err := v.Admin.Sys().PutPolicyWithContext(ctx, policy, hcl); err != nil {
		return fmt.Errorf("put policy %s: %w", policy, err)
	}
	logical := v.Admin.Logical()
	groupPath := "identity/group/name/" + tenant
	if _, err := logical.WriteWithContext(ctx, groupPath, map[string]any{
		"type": "external", "policies": []string{policy},
	}); err != nil {
		return fmt.Errorf("write %s: %w", groupPath, err)
	}
	group, err := logical.ReadWithContext(ctx, groupPath)
	if err != nil {
		return fmt.Errorf("read %s: %w", groupPath, err)
	}
	if group == nil {
		return fmt.Errorf("read %s: group missing after write", groupPath)
	}
	if alias, ok := group.Data["alias"].(map[string]any); ok && alias["mount_accessor"] == v.accessor {
		return nil
	}
	if _, err := logical.WriteWithContext(ctx, "identity/group-alias", map[string]any{
		"name": tenant, "mount_accessor": v.accessor, "canonical_id": group.Data["id"],
	}); err != nil {
		return fmt.Errorf("write group alias %s: %w", tenant, err)
	}
	return nil
}
