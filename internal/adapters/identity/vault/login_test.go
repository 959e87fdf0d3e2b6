package vault_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// TestGroupMapsTokenToPolicy is the mapping end to end: a tenant's policy
// and group made through the adapter, a JWT of that tenant exchanged at the
// JWT mount, and the Vault token it yields confined to the tenant's paths.
func TestGroupMapsTokenToPolicy(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	cases := []struct {
		name   string
		prefix string
		claim  func(tenant string) string
	}{
		{"bare group names", "", func(tenant string) string { return tenant }},
		{"keycloak group paths", "/", func(tenant string) string { return "/" + tenant }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, admin := t.Context(), newAdmin(t, v, tc.prefix)
			tenant, other := testkit.RandomTenant(t), testkit.RandomTenant(t)
			rules, err := secretpath.TenantPolicyHCL(v.Mount, tenant)
			if err != nil {
				t.Fatalf("TenantPolicyHCL: %v", err)
			}
			policy := tenant + "_policy"
			if err := admin.CreatePolicy(ctx, handlers.Policy{Name: policy, Rules: rules}); err != nil {
				t.Fatalf("CreatePolicy: %v", err)
			}
			if _, err := admin.CreateGroup(ctx, handlers.Group{Name: tenant, Policies: []string{policy}}); err != nil {
				t.Fatalf("CreateGroup: %v", err)
			}

			client, auth := login(t, v, v.OIDC.Token(t, "user@"+tenant, []string{tc.claim(tenant)}))
			if !slices.Contains(auth.IdentityPolicies, policy) {
				t.Fatalf("identity_policies = %v, want %s among them", auth.IdentityPolicies, policy)
			}
			if err := writeSecret(t, client, v.Mount+"/data/image-pull/"+tenant+"/x"); err != nil {
				t.Fatalf("write own tenant's path: %v", err)
			}
			err = writeSecret(t, client, v.Mount+"/data/image-pull/"+other+"/x")
			if status := statusOf(err); status != http.StatusForbidden {
				t.Fatalf("write other tenant's path: err = %v, want status 403", err)
			}
		})
	}
}

// TestUnmappedTenantGetsNothing: a token whose group has no Vault group
// logs in but reaches no tenant path, its own included.
func TestUnmappedTenantGetsNothing(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	tenant := testkit.RandomTenant(t)
	client, auth := login(t, v, v.OIDC.Token(t, "user@"+tenant, []string{tenant}))
	if len(auth.IdentityPolicies) != 0 {
		t.Fatalf("identity_policies = %v, want none", auth.IdentityPolicies)
	}
	err := writeSecret(t, client, v.Mount+"/data/image-pull/"+tenant+"/x")
	if status := statusOf(err); status != http.StatusForbidden {
		t.Fatalf("write: err = %v, want status 403", err)
	}
}

// login exchanges jwt at the JWT mount and returns a client holding the
// Vault token it yields.
func login(t *testing.T, v *testkit.Vault, jwt string) (*api.Client, *api.SecretAuth) {
	t.Helper()
	client, err := v.Admin.Clone()
	if err != nil {
		t.Fatalf("clone client: %v", err)
	}
	client.SetToken("")
	secret, err := client.Logical().WriteWithContext(t.Context(), "auth/"+v.JWTMount+"/login",
		map[string]any{"role": v.Role, "jwt": jwt})
	if err != nil {
		t.Fatalf("jwt login: %v", err)
	}
	if secret == nil || secret.Auth == nil {
		t.Fatalf("jwt login: no auth in answer")
	}
	client.SetToken(secret.Auth.ClientToken)
	return client, secret.Auth
}

func writeSecret(t *testing.T, client *api.Client, path string) error {
	t.Helper()
	_, err := client.Logical().WriteWithContext(t.Context(), path,
		map[string]any{"data": map[string]any{"username": "u", "password": "p"}})
	return err
}

func statusOf(err error) int {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}
