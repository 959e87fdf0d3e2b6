package vault_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/testkit"
)

// TestHungVault: with Vault hung (SIGSTOP) every call is ErrUnavailable
// within the timeout plus a second, its own retries included, for a caller
// with a cached token and for one whose JWT must be exchanged first. Once
// Vault continues the same Store serves again with the token it had cached:
// the outage did not poison the cache.
func TestHungVault(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	const timeout, retries = time.Second, 2
	s := newStore(t, v, func(c *vault.Config) { c.Timeout, c.MaxRetries = timeout, retries })
	newCaller := callerFor(t, v)
	c := newCaller(testkit.RandomTenant(t))
	fresh := newCaller(testkit.RandomTenant(t)) // never logged in
	p := mustPath(t, c.Tenant, "hung")
	if _, err := s.Write(t.Context(), c, p, handlers.SecretData{"k": "v1"}, nil); err != nil {
		t.Fatalf("Write before the outage: %v", err)
	}

	v.Pause(t)
	bound := timeout + time.Second
	calls := []struct {
		name string
		call func() error
	}{
		{"Read", func() error { _, err := s.Read(t.Context(), c, p, 0); return err }},
		{"Write", func() error {
			_, err := s.Write(t.Context(), c, p, handlers.SecretData{"k": "v2"}, nil)
			return err
		}},
		{"List", func() error { _, err := s.List(t.Context(), c, "image-pull", c.Tenant); return err }},
		{"Read with a token exchange", func() error {
			_, err := s.Read(t.Context(), fresh, mustPath(t, fresh.Tenant, "x"), 0)
			return err
		}},
	}
	for _, tc := range calls {
		time.Sleep(vaultconn.HoldOff) // each call meets the hung Vault itself
		start := time.Now()
		err := tc.call()
		if took := time.Since(start); !errors.Is(err, handlers.ErrUnavailable) || took >= bound {
			t.Errorf("%s with Vault hung: %v after %s, want ErrUnavailable within %s", tc.name, err, took, bound)
		}
	}
	// Right after a timeout, calls do not wait out another one. The
	// timeout is met by the same kind of call (a read with a cached token),
	// so both go through the same client. A hold-off may still run from
	// an earlier call: the token exchange's login goes on after its caller
	// gave up, and records its own timeout a little later. So the reads
	// go on until one meets the timeout itself.
	var stall *vaultconn.StallError
	for try := 1; ; try++ {
		time.Sleep(vaultconn.HoldOff)
		_, err := s.Read(t.Context(), c, p, 0)
		if !errors.Is(err, handlers.ErrUnavailable) {
			t.Fatalf("Read with Vault hung: %v", err)
		}
		if errors.As(err, &stall) && !stall.NotSent {
			break
		}
		if try == 5 {
			t.Fatalf("Read with Vault hung, try %d: %v, want one to wait the timeout out", try, err)
		}
	}
	start := time.Now()
	_, err := s.Read(t.Context(), c, p, 0)
	if took := time.Since(start); !errors.As(err, &stall) || !stall.NotSent || !errors.Is(err, handlers.ErrUnavailable) || took >= timeout {
		t.Errorf("Read right after a timeout: %v after %s, want a StallError at once, the request not sent", err, took)
	}

	_, loginsHung := s.Stats()
	v.Resume(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Read(t.Context(), c, p, 0)
		if err == nil {
			break
		}
		if !errors.Is(err, handlers.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("Read after Vault continued: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, logins := s.Stats(); logins != loginsHung {
		t.Errorf("logins %d after the outage, want %d: the cached token was dropped", logins, loginsHung)
	}
	if _, err := s.Read(t.Context(), fresh, mustPath(t, fresh.Tenant, "x"), 0); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("fresh caller's Read after the outage: %v, want ErrNotFound", err)
	}
}
