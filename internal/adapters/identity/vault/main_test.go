package vault_test

import (
	"os"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	"github.com/hypo-registry/registry/testkit"
	"github.com/hypo-registry/registry/testkit/contract"
)

// TestMain stops the one Vault every test of this binary shares.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.StopSharedVault()
	os.Exit(code)
}

func TestContract(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	for name, prefix := range aliasPrefixes {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			contract.IdentityAdmin(t, func(t *testing.T) handlers.IdentityAdmin {
				return newAdmin(t, v, prefix)
			})
		})
	}
}

// aliasPrefixes are the GroupAliasPrefix values the tests cover, by the
// groups claim form they serve.
var aliasPrefixes = map[string]string{"bare group names": "", "keycloak group paths": "/"}

// newAdmin is an Admin whose token holds AdminPolicyHCL and nothing else,
// so the tests prove that policy suffices.
func newAdmin(t *testing.T, v *testkit.Vault, prefix string) *vault.Admin {
	t.Helper()
	return newAdminWith(t, v, prefix, vault.AdminPolicyHCL)
}

func newAdminWith(t *testing.T, v *testkit.Vault, prefix, policyHCL string) *vault.Admin {
	t.Helper()
	admin, err := vault.New(t.Context(), vault.Config{
		Addr: v.Addr, AdminToken: tokenWith(t, v, policyHCL), JWTMount: v.JWTMount, GroupAliasPrefix: prefix,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return admin
}

// tokenWith returns a fresh token holding only a policy of rules.
func tokenWith(t *testing.T, v *testkit.Vault, rules string) string {
	t.Helper()
	name := "test-admin-" + testkit.RandomTenant(t)
	if err := v.Admin.Sys().PutPolicyWithContext(t.Context(), name, rules); err != nil {
		t.Fatalf("put policy %s: %v", name, err)
	}
	secret, err := v.Admin.Auth().Token().CreateWithContext(t.Context(), &api.TokenCreateRequest{
		Policies: []string{name}, NoDefaultPolicy: true, TTL: "1h",
	})
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return secret.Auth.ClientToken
}
