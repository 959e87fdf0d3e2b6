package auth_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// Rotation: a token from a new key is accepted by a running verifier (the
// unknown kid triggers a JWKS refresh), and a retired key's tokens are
// refused. keyfunc allows one unknown-kid refresh per 5 minutes per
// verifier; the first is free, so each verifier here needs at most one, and
// retirement is checked with a fresh verifier rather than by waiting.
func TestVerifyKeyRotation(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	_, oldKID := o.SigningKey()
	oldTok := o.Token(t, "alice", []string{"tenant-a"})
	if _, err := verify(t, v, oldTok); err != nil {
		t.Fatalf("before rotation: %v", err)
	}

	newKID, err := o.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if newKID == oldKID {
		t.Fatal("Rotate kept the kid")
	}
	newTok := o.Token(t, "alice", []string{"tenant-a"})
	for name, tok := range map[string]string{"new key": newTok, "old key, not retired": oldTok} {
		if _, err := verify(t, v, tok); err != nil {
			t.Errorf("after rotation, %s: %v", name, err)
		}
	}

	if err := o.Retire(oldKID); err != nil {
		t.Fatal(err)
	}
	fresh := newVerifier(t, o, nil)
	if _, err := verify(t, fresh, oldTok); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("retired key: %v, want ErrUnknownKey", err)
	}
	if _, err := verify(t, fresh, newTok); err != nil {
		t.Errorf("current key after retirement: %v", err)
	}
}

// A verifier that already used its refresh still refuses unknown kids
// promptly instead of blocking on the rate limiter.
func TestVerifyUnknownKIDRateLimited(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	start := time.Now()
	for i := range 3 {
		// Each round signs with a new key that is retired at once: a kid v
		// has never seen and will not find by refreshing.
		kid, err := o.Rotate()
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Retire(kid); err != nil {
			t.Fatal(err)
		}
		tok := o.Token(t, "alice", []string{"tenant-a"})
		if _, err := verify(t, v, tok); !errors.Is(err, auth.ErrUnknownKey) {
			t.Fatalf("round %d: %v, want ErrUnknownKey", i, err)
		}
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("unknown kids took %s: the rate limiter blocked", d)
	}
}
