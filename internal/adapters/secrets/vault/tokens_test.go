package vault_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// wantStats fails unless the store's token cache counted hits and misses.
func wantStats(t *testing.T, s *vault.Store, hits, misses uint64) {
	t.Helper()
	if h, m := s.Stats(); h != hits || m != misses {
		t.Fatalf("Stats = %d hits, %d misses; want %d, %d", h, m, hits, misses)
	}
}

func TestTokenCacheHit(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	if _, err := s.Write(t.Context(), c, mustPath(t, tenant, "cached"), handlers.SecretData{"k": "v"}, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	wantStats(t, s, 0, 1)
	if _, err := s.Metadata(t.Context(), c, mustPath(t, tenant, "cached")); err != nil {
		t.Fatalf("Metadata: %v", err)
	}
	wantStats(t, s, 1, 1)
}

// TestTokenCacheSingleLogin: concurrent first calls with one JWT share one
// login.
func TestTokenCacheSingleLogin(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	const callers = 20
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := s.List(t.Context(), c, "image-pull", tenant)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	wantStats(t, s, callers-1, 1)
}

// TestTokenCacheNearExpiry: a JWT expiring within TokenRenewSkew is
// exchanged for every call, never cached.
func TestTokenCacheNearExpiry(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v, func(c *vault.Config) { c.TokenRenewSkew = time.Minute })
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	c.Token = mint(t, v, oidcdev.Claims{Subject: c.Subject, Groups: []string{tenant}, TTL: 30 * time.Second})
	for range 2 {
		if _, err := s.List(t.Context(), c, "image-pull", tenant); err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	wantStats(t, s, 0, 2)
}

// TestTokenCacheBounded: a cache of one token evicts it for the next JWT.
func TestTokenCacheBounded(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v, func(c *vault.Config) { c.MaxCachedTokens = 1 })
	a, b := testkit.RandomTenant(t), testkit.RandomTenant(t)
	ca, cb := callerFor(t, v)(a), callerFor(t, v)(b)
	for _, step := range []struct {
		c      handlers.Caller
		tenant string
	}{{ca, a}, {ca, a}, {cb, b}, {ca, a}} {
		if _, err := s.List(t.Context(), step.c, "image-pull", step.tenant); err != nil {
			t.Fatalf("List: %v", err)
		}
	}
	wantStats(t, s, 1, 3)
}

// TestExpiredJWT: Vault refuses to exchange an expired JWT. The store says
// ErrUnauthenticated (the caller's credentials were refused: 401 on REST),
// not ErrForbidden, which handlers would turn into "not found".
func TestExpiredJWT(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	c.Token = mint(t, v, oidcdev.Claims{
		Subject: c.Subject, Groups: []string{tenant},
		IssuedAt: time.Now().Add(-2 * time.Hour), NotBefore: time.Now().Add(-2 * time.Hour), TTL: time.Hour,
	})
	_, err := s.Read(t.Context(), c, mustPath(t, tenant, "any"), 0)
	if !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Fatalf("Read with expired JWT: %v, want ErrUnauthenticated", err)
	}
	if strings.Contains(err.Error(), c.Token) || strings.Contains(err.Error(), strings.Split(c.Token, ".")[1]) {
		t.Fatalf("error carries the JWT: %q", err)
	}
}

// TestForeignIssuerJWT: a JWT signed by another issuer's key is refused.
func TestForeignIssuerJWT(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	c.Token = testkit.StartOIDC(t, testkit.Audience).Token(t, c.Subject, []string{tenant})
	_, err := s.List(t.Context(), c, "image-pull", tenant)
	if !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Fatalf("List with a foreign JWT: %v, want ErrUnauthenticated", err)
	}
}

func mint(t *testing.T, v *testkit.Vault, c oidcdev.Claims) string {
	t.Helper()
	tok, err := v.OIDC.Mint(c)
	if err != nil {
		t.Fatalf("mint: %v", err)
	}
	return tok
}
