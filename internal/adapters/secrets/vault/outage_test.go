package vault_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/testkit"
)

// Phases of an outage, as seen by traffic.
const (
	phaseUp int32 = iota
	phaseDown
	phaseChanging // stopping or restarting: any outcome is fair
	phaseUpAgain
)

type outcome struct {
	phase int32 // phaseChanging if the phase changed during the call
	err   error
	took  time.Duration
}

// phaseCounts counts the calls that ran whole in each phase, so the test
// can hold a phase until traffic has covered it.
type phaseCounts [phaseUpAgain + 1]atomic.Int64

// await waits until a call ran whole in phase p, for at most a minute (a
// loaded machine may take seconds for one call while Vault is down: each
// tries 1+MaxRetries times with backoff).
func (pc *phaseCounts) await(t *testing.T, p int32) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for pc[p].Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no call ran whole in phase %d within a minute", p)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runTraffic writes and lists as tenant from a few goroutines until stop
// closes, recording each call's outcome with the phase it ran in, and
// counting in counts the calls that ran whole in one phase.
func runTraffic(t *testing.T, s *vault.Store, c handlers.Caller, phase *atomic.Int32, counts *phaseCounts, stop <-chan struct{}) <-chan []outcome {
	done := make(chan []outcome, 1)
	var (
		mu  sync.Mutex
		all []outcome
		wg  sync.WaitGroup
	)
	for w := range 4 {
		p := mustPath(t, c.Tenant, fmt.Sprintf("traffic-%d", w))
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(5 * time.Millisecond):
				}
				before, start := phase.Load(), time.Now()
				var err error
				if i%2 == 0 {
					_, err = s.Write(t.Context(), c, p, handlers.SecretData{"i": fmt.Sprint(i)}, nil)
				} else {
					_, err = s.List(t.Context(), c, "image-pull", c.Tenant)
				}
				o := outcome{phase: before, err: err, took: time.Since(start)}
				if phase.Load() != before {
					o.phase = phaseChanging
				}
				counts[o.phase].Add(1)
				mu.Lock()
				all = append(all, o)
				mu.Unlock()
			}
		})
	}
	go func() { wg.Wait(); done <- all }()
	return done
}

// TestVaultDownAndRestarted: while Vault is down every call fails fast with
// ErrUnavailable; once it is back (a dev server: empty, every old token
// void) the same Store serves again, logging callers in afresh.
func TestVaultDownAndRestarted(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	const timeout, retries = time.Second, 2
	s := newStore(t, v, func(c *vault.Config) { c.Timeout, c.MaxRetries = timeout, retries })
	c := callerFor(t, v)(testkit.RandomTenant(t))
	if _, err := s.List(t.Context(), c, "image-pull", c.Tenant); err != nil {
		t.Fatalf("List before the outage: %v", err)
	}
	_, loginsBefore := s.Stats()
	bound := timeout*(retries+1) + time.Second // attempts plus backoff

	var (
		phase atomic.Int32
		ran   phaseCounts
		stop  = make(chan struct{})
	)
	traffic := runTraffic(t, s, c, &phase, &ran, stop)
	ran.await(t, phaseUp)
	phase.Store(phaseChanging)
	v.Stop()
	phase.Store(phaseDown)

	start := time.Now()
	_, err := s.Write(t.Context(), c, mustPath(t, c.Tenant, "during"), handlers.SecretData{"k": "v"}, nil)
	if took := time.Since(start); !errors.Is(err, handlers.ErrUnavailable) || took > bound {
		t.Errorf("Write while down: %v after %s, want ErrUnavailable within %s", err, took, bound)
	}
	_, err = vault.New(t.Context(), vault.Config{Addr: v.Addr, Timeout: timeout})
	if !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), v.Addr) {
		t.Errorf("New while down: %v, want ErrUnavailable naming %s", err, v.Addr)
	}
	ran.await(t, phaseDown)

	phase.Store(phaseChanging)
	v.Restart(t)
	phase.Store(phaseUpAgain)
	ran.await(t, phaseUpAgain)
	close(stop)

	counts, slowest := map[int32]int{}, map[int32]time.Duration{}
	for _, o := range <-traffic {
		counts[o.phase]++
		slowest[o.phase] = max(slowest[o.phase], o.took)
		if o.phase == phaseChanging && o.err != nil && testing.Verbose() {
			t.Logf("during a change: %v", o.err)
		}
		switch o.phase {
		case phaseUp, phaseUpAgain:
			if o.err != nil {
				t.Errorf("call while up (phase %d): %v", o.phase, o.err)
			}
		case phaseDown:
			if !errors.Is(o.err, handlers.ErrUnavailable) || o.took > bound {
				t.Errorf("call while down: %v after %s, want ErrUnavailable within %s", o.err, o.took, bound)
			}
		}
	}
	t.Logf("calls by phase (up, down, changing, up again): %v; slowest: %v", counts, slowest)
	if counts[phaseDown] == 0 || counts[phaseUpAgain] == 0 {
		t.Errorf("traffic did not cover the outage: %v", counts)
	}
	if _, err := s.Write(t.Context(), c, mustPath(t, c.Tenant, "after"), handlers.SecretData{"k": "v"}, nil); err != nil {
		t.Fatalf("Write after restart: %v", err)
	}
	if _, logins := s.Stats(); logins <= loginsBefore {
		t.Errorf("logins %d after restart, want more than %d: the void cached token was kept", logins, loginsBefore)
	}
}

// TestSealedVault: a sealed Vault is unavailable to a running Store and
// refused by New, naming the address.
func TestSealedVault(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	s := newStore(t, v, func(c *vault.Config) { c.Timeout = time.Second })
	c := callerFor(t, v)(testkit.RandomTenant(t))
	p := mustPath(t, c.Tenant, "sealed")
	if _, err := s.Write(t.Context(), c, p, handlers.SecretData{"k": "v"}, nil); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := v.Admin.Sys().SealWithContext(t.Context()); err != nil {
		t.Fatalf("seal: %v", err)
	}
	if _, err := s.Read(t.Context(), c, p, 0); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("Read from a sealed Vault: %v, want ErrUnavailable", err)
	}
	_, err := vault.New(t.Context(), vault.Config{Addr: v.Addr})
	if err == nil || !strings.Contains(err.Error(), "sealed") || !strings.Contains(err.Error(), v.Addr) {
		t.Errorf("New against a sealed Vault: %v, want an error naming %s as sealed", err, v.Addr)
	}
}
