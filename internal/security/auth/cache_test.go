package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

func TestVerifiedTokensAreCachedOnlyWhileValid(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, "registry-api")
	v, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: o.URL, Audience: "registry-api", Leeway: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	tok := o.Token(t, "alice", []string{"tenant-a"}, "developer")
	for i := range 3 {
		p, err := v.Verify(context.Background(), tok)
		if err != nil || p.Tenant != "tenant-a" || p.Subject != "alice" {
			t.Fatalf("verify %d: %+v, %v", i, p, err)
		}
	}
	if hits := v.CacheHits(); hits != 2 {
		t.Errorf("cache hits = %d, want 2", hits)
	}
	// A cached token does not vouch for a tampered copy of itself.
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + parts[1] + "x." + parts[2]
	if _, err := v.Verify(context.Background(), forged); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("tampered token: %v", err)
	}
	// A token is never served from the cache past its exp (+ leeway).
	short, err := o.Mint(oidcdev.Claims{Subject: "bob", Groups: []string{"tenant-b"}, TTL: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), short); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := v.Verify(context.Background(), short)
		if errors.Is(err, auth.ErrExpired) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an expired token was still accepted: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
