package bolt_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// TestRefusals: what the embedded store refuses before touching the file,
// beyond the contract: callers without a tenant, malformed arguments,
// cancelled contexts.
func TestRefusals(t *testing.T) {
	t.Parallel()
	store, _ := openStore(t, newRing(t), bolt.Options{})
	p := mustPath(t, "acme", "s")
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	cases := []struct {
		name string
		call func() error
		want error
	}{
		{"no tenant read", func() error { _, err := store.Read(t.Context(), handlers.Caller{}, p, 0); return err }, handlers.ErrForbidden},
		{"no tenant write", func() error {
			_, err := store.Write(t.Context(), handlers.Caller{Subject: "x"}, p, handlers.SecretData{"k": "v"}, nil)
			return err
		}, handlers.ErrForbidden},
		{"no tenant list", func() error {
			_, err := store.List(t.Context(), handlers.Caller{}, secretpath.ImagePull, "acme")
			return err
		}, handlers.ErrForbidden},
		{"other tenant list", func() error {
			_, err := store.List(t.Context(), caller("evil"), secretpath.ImagePull, "acme")
			return err
		}, handlers.ErrForbidden},
		{"bad scope list", func() error { _, err := store.List(t.Context(), caller("acme"), "nope", "acme"); return err }, handlers.ErrInvalid},
		{"path literal bypassing New", func() error {
			_, err := store.Read(t.Context(), caller("acme"), secretpath.Path{Scope: secretpath.ImagePull, Tenant: "acme", Name: "../x"}, 0)
			return err
		}, handlers.ErrInvalid},
		{"negative version", func() error { _, err := store.Read(t.Context(), caller("acme"), p, -1); return err }, handlers.ErrInvalid},
		{"negative cas", func() error {
			cas := -1
			_, err := store.Write(t.Context(), caller("acme"), p, handlers.SecretData{"k": "v"}, &cas)
			return err
		}, handlers.ErrInvalid},
		{"delete version zero", func() error { return store.Delete(t.Context(), caller("acme"), p, 0) }, handlers.ErrInvalid},
		{"invalid utf-8 value", func() error {
			_, err := store.Write(t.Context(), caller("acme"), p, handlers.SecretData{"k": "\xff"}, nil)
			return err
		}, handlers.ErrInvalid},
		{"cancelled context", func() error { _, err := store.Read(cancelled, caller("acme"), p, 0); return err }, context.Canceled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
}
