package vaultidentity_test

import (
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/testkit"
	"github.com/hypo-registry/registry/vaultidentity"
)

// TestSealedVault: a sealed Vault (503) is ErrUnavailable, to New and to
// every call. It seals a Vault of its own: sealing the shared one would
// fail every other test.
func TestSealedVault(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	cfg := vaultidentity.Config{Addr: v.Addr, AdminToken: v.RootToken, JWTMount: v.JWTMount}
	admin, err := vaultidentity.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := v.Admin.Sys().SealWithContext(t.Context()); err != nil {
		t.Fatalf("seal: %v", err)
	}
	_, err = admin.GetPolicy(t.Context(), "some-policy")
	if !errors.Is(err, handlers.ErrUnavailable) || !handlers.Transient(err) {
		t.Fatalf("GetPolicy on sealed vault: err = %v, want ErrUnavailable", err)
	}
	_, err = admin.CreateGroup(t.Context(), handlers.Group{Name: "some-tenant"})
	if !errors.Is(err, handlers.ErrUnavailable) {
		t.Fatalf("CreateGroup on sealed vault: err = %v, want ErrUnavailable", err)
	}
	if _, err := vaultidentity.New(t.Context(), cfg); !errors.Is(err, handlers.ErrUnavailable) {
		t.Fatalf("New on sealed vault: err = %v, want ErrUnavailable", err)
	}
}
