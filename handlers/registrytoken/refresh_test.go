package registrytoken_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func openStore(t *testing.T) (*registrytoken.BoltRefreshStore, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "registry-token.db")
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := registrytoken.NewBoltRefreshStore(db)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func grant(id, subject string) registrytoken.RefreshGrant {
	return registrytoken.RefreshGrant{ID: id, Subject: subject, Tenant: "tenant-a", Plan: "team", License: "lic-7",
		Service: "registry.example.com", IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}
}

func TestRefreshStoreLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, path := openStore(t)
	tok, err := s.Issue(ctx, grant("g1", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) < 40 {
		t.Errorf("refresh token %q is short", tok)
	}
	got, err := s.Lookup(ctx, tok, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "g1" || got.Subject != "alice" || got.Plan != "team" || got.License != "lic-7" || got.Service != "registry.example.com" {
		t.Errorf("grant %+v", got)
	}
	for name, probe := range map[string]struct {
		token string
		at    time.Time
	}{
		"unknown":   {"not-a-token", t0},
		"empty":     {"", t0},
		"expired":   {tok, t0.Add(time.Hour)},
		"oversized": {string(bytes.Repeat([]byte("a"), 4096)), t0},
	} {
		if _, err := s.Lookup(ctx, probe.token, probe.at); !errors.Is(err, handlers.ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", name, err)
		}
	}
	if err := s.Revoke(ctx, "tenant-a", "g1", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, "tenant-a", "g1", t0); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if _, err := s.Lookup(ctx, tok, t0); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("revoked: %v, want ErrUnauthenticated", err)
	}
	if err := s.Revoke(ctx, "tenant-a", "nope", t0); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if _, err := s.Issue(ctx, grant("g1", "alice")); !errors.Is(err, handlers.ErrConflict) {
		t.Errorf("reused id: %v, want ErrConflict", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(tok)) {
		t.Error("the database holds the refresh token itself")
	}
}

func TestRefreshStoreRevokeSubjectAndPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openStore(t)
	var alice []string
	for _, g := range []registrytoken.RefreshGrant{grant("a1", "alice"), grant("a2", "alice"), grant("b1", "bob")} {
		tok, err := s.Issue(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		if g.Subject == "alice" {
			alice = append(alice, tok)
		}
	}
	// Another tenant's admin revokes nothing of tenant-a's.
	if n, err := s.RevokeSubject(ctx, "tenant-b", "alice", t0); err != nil || n != 0 {
		t.Fatalf("RevokeSubject from another tenant = %d, %v; want 0", n, err)
	}
	if err := s.Revoke(ctx, "tenant-b", "b1", t0); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("another tenant's grant by id: %v, want ErrNotFound", err)
	}
	n, err := s.RevokeSubject(ctx, "tenant-a", "alice", t0)
	if err != nil || n != 2 {
		t.Fatalf("RevokeSubject = %d, %v; want 2", n, err)
	}
	if n, _ := s.RevokeSubject(ctx, "tenant-a", "alice", t0); n != 0 {
		t.Errorf("second RevokeSubject = %d, want 0", n)
	}
	for _, tok := range alice {
		if _, err := s.Lookup(ctx, tok, t0); !errors.Is(err, handlers.ErrUnauthenticated) {
			t.Errorf("alice's token after revocation: %v", err)
		}
	}
	// Pruning at a cutoff after every expiry drops all three grants.
	if n, err := s.Prune(t0.Add(2 * time.Hour)); err != nil || n != 3 {
		t.Errorf("Prune = %d, %v; want 3", n, err)
	}
	if err := s.Revoke(ctx, "tenant-a", "b1", t0); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("pruned grant: %v, want ErrNotFound", err)
	}
}

func TestRefreshStoreRefusesAnIncompleteGrant(t *testing.T) {
	t.Parallel()
	s, _ := openStore(t)
	g := grant("x", "alice")
	g.Service = ""
	if _, err := s.Issue(context.Background(), g); !errors.Is(err, handlers.ErrInvalid) {
		t.Errorf("no service: %v, want ErrInvalid", err)
	}
}
