package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestUnreachableBackendsFailStartNamingThem(t *testing.T) {
	t.Parallel()
	issuer := testkit.StartOIDC(t, testkit.Audience)
	for name, tc := range map[string]struct {
		set  func(*app.Config)
		want string
	}{
		"vault": {func(c *app.Config) { c.Vault.Addr = "http://" + closedAddr(t) }, "REGISTRY_VAULT_ADDR"},
		"kafka": {func(c *app.Config) { c.Kafka.Brokers = []string{closedAddr(t)} }, "REGISTRY_KAFKA_BROKERS"},
		"jwks":  {func(c *app.Config) { c.OIDC.Issuer = "http://" + closedAddr(t) }, "REGISTRY_OIDC_ISSUER"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg := app.Config{HTTPAddr: "127.0.0.1:0", DataDir: t.TempDir(), OIDC: auth.Config{Issuer: issuer.URL, Audience: testkit.Audience}}
			tc.set(&cfg)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			start := time.Now()
			_, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), new(slog.LevelVar))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want an error naming %s", err, tc.want)
			}
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("failing took %s: start-up must fail fast", d)
			}
		})
	}
}

// TestVaultOutageIsServedAs503AndRecovers stops the registry's Vault under
// traffic: requests fail fast with 503, and succeed again once Vault is back,
// without restarting the registry.
func TestVaultOutageIsServedAs503AndRecovers(t *testing.T) {
	t.Parallel()
	v := testkit.StartVault(t, nil)
	// A request to a Vault that is shutting down can hang until the
	// per-request timeout: that timeout, not luck, bounds every request.
	reg := testkit.StartRegistryOnVault(t, v, func(c *app.Config) { c.Vault.Timeout = time.Second })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	url := reg.URL + "/registry-api/image-pull/secret/outage"
	if r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}

	// Traffic throughout: every answer is 200, 404 (after the dev server
	// restarts empty) or 503, each within a bound; never a hang or a 500.
	// While the dev server is being configured again after its restart (a
	// real Vault keeps its configuration), its JWT login refuses the token,
	// which is answered 401: allowed only in that window.
	// phase is odd while the restart runs; a request that saw it odd, or
	// saw it change, overlapped the window.
	var phase atomic.Int64
	stopTraffic := make(chan struct{})
	trafficDone := make(chan []string)
	go func() {
		var bad []string
		for {
			select {
			case <-stopTraffic:
				trafficDone <- bad
				return
			default:
			}
			start := time.Now()
			before := phase.Load()
			r := testkit.Do(t, http.MethodGet, url, tok, nil)
			if r.Status == http.StatusUnauthorized && (before%2 == 1 || phase.Load() != before) {
				continue
			}
			if r.Status != http.StatusOK && r.Status != http.StatusNotFound && r.Status != http.StatusServiceUnavailable {
				bad = append(bad, fmt.Sprintf("status %d: %s", r.Status, r.Body))
			}
			if d := time.Since(start); d > 10*time.Second {
				bad = append(bad, fmt.Sprintf("a request took %s", d))
			}
		}
	}()
	defer func() {
		close(stopTraffic)
		for _, b := range <-trafficDone {
			t.Errorf("under traffic: %s", b)
		}
	}()

	v.Stop()
	for range 3 {
		start := time.Now()
		r := testkit.Do(t, http.MethodGet, url, tok, nil)
		if r.Status != http.StatusServiceUnavailable {
			t.Fatalf("GET with Vault down: %d %s, want 503", r.Status, r.Body)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a request with Vault down took %s: it must fail fast", d)
		}
	}
	ready := testkit.Do(t, http.MethodGet, reg.URL+"/readyz", "", nil)
	if ready.Status != http.StatusServiceUnavailable || !strings.Contains(string(ready.Body), `"vault":"unavailable"`) {
		t.Errorf("/readyz with Vault down: %d %s, want 503 naming vault", ready.Status, ready.Body)
	}
	// Vault may come back, and restarting every replica would not bring it.
	if live := testkit.Do(t, http.MethodGet, reg.URL+"/healthz", "", nil); live.Status != http.StatusOK {
		t.Errorf("/healthz with Vault down: %d %s, want 200", live.Status, live.Body)
	}
	// The failed requests are counted by kind: Vault did not answer.
	down := mustMetric(t, reg, `registry_vault_request_errors_total{adapter="secrets",kind="unavailable"}`) +
		mustMetric(t, reg, `registry_vault_request_errors_total{adapter="secrets",kind="timeout"}`)
	if down < 3 {
		t.Errorf("registry_vault_request_errors_total unavailable+timeout = %v after 3 failed reads, want at least 3", down)
	}

	phase.Add(1)
	v.Restart(t) // a dev server comes back empty: write again, then read
	phase.Add(1)
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"p2"}`))
		if r.Status == http.StatusCreated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after Vault restarted: %d %s", r.Status, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := testkit.Do(t, http.MethodGet, url, tok, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), "p2") {
		t.Errorf("GET after recovery: %d %s", r.Status, r.Body)
	}
}

// TestAuditOnKafka runs flows on Vault + Kafka and checks the audit log
// holds them, verifiable: the creates fed from the outbox with their event
// sequence, the reads appended by the queries, no secret in either.
func TestAuditOnKafka(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistryOn(t, testkit.VaultKafka)
	tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	for _, name := range []string{"a", "b"} {
		testkit.Do(t, http.MethodPost, base+name, tok, []byte(`{"username":"u","password":"kafka-canary-pw"}`))
		testkit.Do(t, http.MethodGet, base+name, tok, nil)
	}
	recs := reg.AuditRecords(t)
	sum, err := auditlog.Verify(reg.AuditDir(), nil)
	if err != nil {
		t.Fatalf("audit log: %v", err)
	}
	var creates, reads int
	for _, r := range recs {
		switch {
		case r.Type == "io.hypo.registry.imagepull.secret.created" && r.EventSeq > 0:
			creates++
		case r.Type == "io.hypo.registry.imagepull.secret.read" && r.EventSeq == 0:
			reads++
		}
		if strings.Contains(string(r.Data), "kafka-canary-pw") {
			t.Errorf("audit record %d holds the password: %s", r.Index, r.Data)
		}
	}
	if creates != 2 || reads != 2 || sum.Records != int64(len(recs)) {
		t.Errorf("audit log: %d creates, %d reads, %d records verified of %d; want 2, 2 and all", creates, reads, sum.Records, len(recs))
	}
	if strings.Contains(string(reg.Logs.Bytes()), "kafka-canary-pw") {
		t.Error("a secret reached the logs")
	}
}
