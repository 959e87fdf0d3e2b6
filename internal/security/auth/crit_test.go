package auth_test

import (
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// A JWS with a "crit" header is refused (RFC 7515 §4.1.11) although the
// issuer signed it with its current key: the same claims without the header
// verify. DecodeUnverified (the Kafka listeners' mode in front of Vault)
// refuses it too.
func TestCritHeaderRefused(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	claims := oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Roles: []string{"admin"}}
	plain, err := o.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verify(t, v, plain); err != nil {
		t.Fatalf("control token without crit: %v", err)
	}
	claims.Header = map[string]any{"crit": []string{"exp"}}
	crit, err := o.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: a refusal is never cached into an acceptance.
	for range 2 {
		if _, err := verify(t, v, crit); !errors.Is(err, auth.ErrCritical) || !errors.Is(err, handlers.ErrUnauthenticated) {
			t.Fatalf("Verify(crit) = %v; want ErrCritical", err)
		}
	}
	if _, err := v.DecodeUnverified(crit); !errors.Is(err, auth.ErrCritical) || !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("DecodeUnverified(crit) = %v; want ErrCritical", err)
	}
	if _, err := v.DecodeUnverified(plain); err != nil {
		t.Errorf("DecodeUnverified(control) = %v", err)
	}
}
