package bolt_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/security/seal"
)

const (
	canaryKey   = "canary-key-name-91b2e4"
	canaryValue = "PLAINTEXT-CANARY-7f3a9c0d"
)

func TestNoPlaintextOnDisk(t *testing.T) {
	t.Parallel()
	store, file := openStore(t, newRing(t), bolt.Options{})
	ctx, c := t.Context(), caller("acme")
	for _, name := range []string{"one", "two"} {
		p := mustPath(t, "acme", name)
		for range 3 {
			if _, err := store.Write(ctx, c, p, handlers.SecretData{canaryKey: canaryValue}, nil); err != nil {
				t.Fatalf("Write: %v", err)
			}
		}
		if err := store.Delete(ctx, c, p); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	assertNoCanary(t, file, "while open")
	if err := store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	assertNoCanary(t, file, "after close")
}

func assertNoCanary(t *testing.T, file, when string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{canaryKey, canaryValue} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("%s: store file holds %q in clear", when, s)
		}
	}
}

// TestMovedValueDoesNotOpen: a sealed value copied to another key (another
// secret, another tenant, another version) fails to open there, because its
// storage key is its AAD.
func TestMovedValueDoesNotOpen(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, from, to string
		tenant, secret string // where the moved value is read
		version        int
	}{
		{"other secret", "image-pull/acme/a#v1", "image-pull/acme/b#v1", "acme", "b", 1},
		{"other tenant", "image-pull/acme/a#v1", "image-pull/other/a#v1", "other", "a", 1},
		{"other version", "image-pull/acme/a#v1", "image-pull/acme/a#v2", "acme", "a", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ring := newRing(t)
			store, file := openStore(t, ring, bolt.Options{})
			writes := []struct{ tenant, name, value string }{
				{"acme", "a", canaryValue}, {"acme", "a", "v2"}, {"acme", "b", "b1"}, {"other", "a", "o1"},
			}
			for _, w := range writes {
				if _, err := store.Write(t.Context(), caller(w.tenant), mustPath(t, w.tenant, w.name), handlers.SecretData{"k": w.value}, nil); err != nil {
					t.Fatalf("Write: %v", err)
				}
			}
			store.Close()
			rawCopy(t, file, tc.from, tc.to)
			store = reopen(t, file, ring, bolt.Options{})
			got, err := store.Read(t.Context(), caller(tc.tenant), mustPath(t, tc.tenant, tc.secret), tc.version)
			if !errors.Is(err, seal.ErrOpen) {
				t.Fatalf("Read moved value = %v, %v; want seal.ErrOpen", got.Data, err)
			}
			if strings.Contains(err.Error(), canaryValue) {
				t.Fatalf("error %q leaks the value", err)
			}
		})
	}
}
