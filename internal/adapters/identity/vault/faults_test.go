package vault_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/testkit"
)

// TestVaultFaults: a hung Vault (SIGSTOP) and a sealed one (503) are
// ErrUnavailable, a hung one within the timeout plus a second, and the same
// Admin serves again once Vault is back. It uses a Vault of its own:
// stopping or sealing the shared one would fail every other test.
func TestVaultFaults(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	const timeout = time.Second
	cfg := vault.Config{Addr: v.Addr, AdminToken: v.RootToken, JWTMount: v.JWTMount, Timeout: timeout}
	admin, err := vault.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tenant := testkit.RandomTenant(t)
	if _, err := admin.CreateGroup(t.Context(), handlers.Group{Name: tenant}); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	calls := map[string]func() error{
		"GetGroup": func() error { _, err := admin.GetGroup(t.Context(), tenant); return err },
		"CreateGroup": func() error {
			_, err := admin.CreateGroup(t.Context(), handlers.Group{Name: testkit.RandomTenant(t)})
			return err
		},
		"GetPolicy": func() error { _, err := admin.GetPolicy(t.Context(), "some-policy"); return err },
	}
	unavailable := func(phase string) {
		t.Helper()
		for name, call := range calls {
			time.Sleep(vaultconn.HoldOff) // each call meets the fault itself
			start := time.Now()
			err := call()
			if took := time.Since(start); !errors.Is(err, handlers.ErrUnavailable) || took >= timeout+time.Second {
				t.Errorf("%s with Vault %s: %v after %s, want ErrUnavailable within %s", name, phase, err, took, timeout+time.Second)
			}
		}
	}
	recovered := func(phase string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, err := admin.GetGroup(t.Context(), tenant)
			if err == nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("GetGroup after Vault %s: %v, want the group again", phase, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	v.Pause(t)
	unavailable("paused")
	v.Resume(t)
	recovered("resumed")

	v.Seal(t)
	unavailable("sealed")
	if _, err := vault.New(t.Context(), cfg); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("New on sealed vault: err = %v, want ErrUnavailable", err)
	}
	v.Unseal(t)
	recovered("unsealed")
}
