package vault_test

import (
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// BenchmarkRead reads one secret's current version from the shared Vault
// dev server, token cached: its allocations are this process's cost of a
// Vault read (the time includes Vault's).
func BenchmarkRead(b *testing.B) {
	v := testkit.SharedVault(b)
	s := newStore(b, v)
	c := callerFor(b, v)("bench-read")
	p := mustPath(b, "bench-read", "s")
	if _, err := s.Write(b.Context(), c, p, handlers.SecretData{"password": "p"}, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Read(b.Context(), c, p, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkList lists a folder of one secret.
func BenchmarkList(b *testing.B) {
	v := testkit.SharedVault(b)
	s := newStore(b, v)
	c := callerFor(b, v)("bench-list")
	if _, err := s.Write(b.Context(), c, mustPath(b, "bench-list", "s"), handlers.SecretData{"password": "p"}, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.List(b.Context(), c, secretpath.ImagePull, "bench-list"); err != nil {
			b.Fatal(err)
		}
	}
}
