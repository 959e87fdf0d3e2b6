package vault_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
	"github.com/hypo-registry/registry/testkit/contract"
)

// Every test of this binary shares one Vault dev server (testkit.SharedVault)
// and isolates itself by tenant; only the outage tests start their own.
func TestMain(m *testing.M) {
	code := m.Run()
	testkit.StopSharedVault()
	os.Exit(code)
}

// newStore connects a fresh Store (empty token cache) to v.
func newStore(t testing.TB, v *testkit.Vault, configure ...func(*vault.Config)) *vault.Store {
	t.Helper()
	cfg := vault.Config{Addr: v.Addr, Mount: v.Mount, AuthMount: v.JWTMount, Role: v.Role}
	for _, f := range configure {
		f(&cfg)
	}
	s, err := vault.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("vaultstore.New: %v", err)
	}
	return s
}

// callerFor provisions tenant in v and returns a caller holding a real JWT
// of that tenant. Subjects are per tenant: Vault keeps one identity entity
// per subject, and its external groups follow that subject's latest login.
func callerFor(t testing.TB, v *testkit.Vault) func(tenant string) handlers.Caller {
	return func(tenant string) handlers.Caller {
		t.Helper()
		v.ProvisionTenant(t, tenant)
		sub := "user@" + tenant
		return handlers.Caller{Subject: sub, Tenant: tenant, Token: v.OIDC.Token(t, sub, []string{tenant})}
	}
}

func mustPath(t testing.TB, tenant, name string) secretpath.Path {
	t.Helper()
	p, err := secretpath.New(secretpath.ImagePull, tenant, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContract(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	contract.SecretStore(t, func(t *testing.T) (handlers.SecretStore, func(string) handlers.Caller) {
		s := newStore(t, v)
		s.UseIntents(openIntents(t))
		return s, callerFor(t, v)
	})
}

// openIntents is an event log on a fresh file, as the service gives the
// store its intents.
func openIntents(t *testing.T) *bolt.Log {
	t.Helper()
	l, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}
