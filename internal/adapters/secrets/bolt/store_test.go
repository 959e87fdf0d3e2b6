package bolt_test

import (
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit/contract"
)

func TestContract(t *testing.T) {
	t.Parallel()
	contract.SecretStore(t, func(t *testing.T) (handlers.SecretStore, func(string) handlers.Caller) {
		store, _ := openStore(t, newRing(t), bolt.Options{})
		return store, caller
	})
}

func caller(tenant string) handlers.Caller {
	return handlers.Caller{Subject: "user@" + tenant, Tenant: tenant, Token: "not-used"}
}

func newRing(t *testing.T) *seal.Keyring {
	t.Helper()
	ring, err := seal.NewKeyring()
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return ring
}

// openStore opens a store on a fresh file, closed when the test ends.
func openStore(t *testing.T, ring *seal.Keyring, opts bolt.Options) (*bolt.Store, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "secrets.db")
	return reopen(t, file, ring, opts), file
}

// reopen opens file; the store is closed at cleanup unless closed before.
func reopen(t *testing.T, file string, ring *seal.Keyring, opts bolt.Options) *bolt.Store {
	t.Helper()
	store, err := bolt.Open(file, ring, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func mustPath(t *testing.T, tenant, name string) secretpath.Path {
	t.Helper()
	p, err := secretpath.New(secretpath.ImagePull, tenant, name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMaxVersionsPrunesOldest(t *testing.T) {
	t.Parallel()
	store, file := openStore(t, newRing(t), bolt.Options{MaxVersions: 3})
	ctx, c, p := t.Context(), caller("acme"), mustPath(t, "acme", "pruned")
	for i := range 5 {
		if _, err := store.Write(ctx, c, p, handlers.SecretData{"i": string(rune('a' + i))}, nil); err != nil {
			t.Fatalf("Write %d: %v", i+1, err)
		}
	}
	meta, err := store.Metadata(ctx, c, p)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	if got := slices.Sorted(maps.Keys(meta.Versions)); !slices.Equal(got, []int{3, 4, 5}) {
		t.Fatalf("versions kept = %v, want [3 4 5]", got)
	}
	for _, v := range []int{1, 2} {
		if _, err := store.Read(ctx, c, p, v); !errors.Is(err, handlers.ErrNotFound) {
			t.Fatalf("Read pruned version %d: %v, want ErrNotFound", v, err)
		}
	}
	if s, err := store.Read(ctx, c, p, 3); err != nil || s.Data["i"] != "c" {
		t.Fatalf("Read version 3 = %v, %v", s.Data, err)
	}
	store.Close()
	if got := len(rawVersions(t, file)); got != 3 {
		t.Fatalf("file holds %d sealed versions, want 3", got)
	}
}

func TestFixedClock(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	store, _ := openStore(t, newRing(t), bolt.Options{Now: func() time.Time { return t0 }})
	ctx, c, p := t.Context(), caller("acme"), mustPath(t, "acme", "clocked")
	written, err := store.Write(ctx, c, p, handlers.SecretData{"k": "v"}, nil)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := store.Delete(ctx, c, p); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	meta, err := store.Metadata(ctx, c, p)
	if err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	for name, got := range map[string]time.Time{
		"written created": written.CreatedTime, "created": meta.CreatedTime, "updated": meta.UpdatedTime,
		"v1 created": meta.Versions[1].CreatedTime, "v1 deleted": meta.Versions[1].DeletionTime,
	} {
		if !got.Equal(t0) {
			t.Errorf("%s = %v, want %v", name, got, t0)
		}
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	t.Parallel()
	store, _ := openStore(t, newRing(t), bolt.Options{})
	store.Close()
	_, err := store.Read(t.Context(), caller("acme"), mustPath(t, "acme", "s"), 0)
	if !errors.Is(err, handlers.ErrUnavailable) {
		t.Fatalf("Read after Close: %v, want ErrUnavailable", err)
	}
}

func TestLockTimeout(t *testing.T) {
	t.Parallel()
	_, file := openStore(t, newRing(t), bolt.Options{})
	start := time.Now()
	second, err := bolt.Open(file, newRing(t), bolt.Options{Timeout: 100 * time.Millisecond})
	if err == nil {
		second.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), file) ||
		!strings.Contains(err.Error(), "another process") {
		t.Fatalf("error %q should name the file, say another process holds it, wrap ErrUnavailable", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("Open waited %s despite a 100ms timeout", waited)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	err := bolt.Options{MaxVersions: -1, Timeout: -time.Second}.Validate()
	if err == nil || !strings.Contains(err.Error(), "MaxVersions") || !strings.Contains(err.Error(), "Timeout") {
		t.Fatalf("Validate = %v, want both problems", err)
	}
	if _, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), newRing(t), bolt.Options{MaxVersions: -1}); !errors.Is(err, handlers.ErrInvalid) {
		t.Fatalf("Open with bad options: %v, want ErrInvalid", err)
	}
	if _, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), nil, bolt.Options{}); !errors.Is(err, handlers.ErrInvalid) {
		t.Fatalf("Open with nil ring: %v, want ErrInvalid", err)
	}
}
