package rest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// TestVaultFaultsAre503WithRetryAfter takes the registry's Vault through
// every fault it can have (hung by SIGSTOP, sealed, killed) and back: each
// request meeting a fault is a 503 problem+json with Retry-After within the
// Vault timeout plus a second, and the same registry serves again once Vault
// is back, without a restart.
func TestVaultFaultsAre503WithRetryAfter(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	v := testkit.StartVault(t, nil)
	reg := testkit.StartRegistryOnVault(t, v, func(c *app.Config) { c.Vault.Timeout = timeout })
	tenant := reg.Tenant(t)
	dev := reg.Token(t, "alice", tenant, "developer")
	admin := reg.Token(t, "root", tenant, "admin")
	api := reg.URL + "/registry-api"
	secret := api + "/image-pull/secret/fault"
	if r := testkit.Do(t, http.MethodPost, secret, dev, []byte(seedImagePullBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	type request struct {
		name, method, url, token, body string
		ok                             int // status once Vault is back
	}
	requests := []request{
		{"GET secret", http.MethodGet, secret, dev, "", http.StatusOK},
		{"PATCH secret", http.MethodPatch, secret, dev, `{"password":"rotated"}`, http.StatusOK},
		{"GET list", http.MethodGet, api + "/image-pull/secrets", dev, "", http.StatusOK},
		{"GET group", http.MethodGet, api + "/group/" + tenant, admin, "", http.StatusOK},
	}
	send := func(rq request, token string) testkit.Response {
		var body []byte
		if rq.body != "" {
			body = []byte(rq.body)
		}
		return testkit.Do(t, rq.method, rq.url, token, body)
	}
	unavailable := func(fault string, hung bool) {
		t.Helper()
		// A caller whose JWT Vault has not exchanged yet meets the fault in
		// the exchange.
		fresh := reg.Token(t, "fresh-"+testkit.RandomTenant(t), tenant, "developer")
		for _, rq := range append(requests, request{name: "GET secret, token exchange", method: http.MethodGet, url: secret, token: fresh}) {
			if hung {
				time.Sleep(vaultconn.HoldOff) // each request meets the hung Vault itself
			}
			start := time.Now()
			r := send(rq, rq.token)
			took := time.Since(start)
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("Retry-After") != "1" {
				t.Errorf("%s with Vault %s: %d %q Retry-After %q: %s; want 503 problem+json, Retry-After 1",
					rq.name, fault, r.Status, r.Header.Get("Content-Type"), r.Header.Get("Retry-After"), r.Body)
			}
			// The detail names no backend and no storage path (the
			// instance is the client's own path).
			var p struct{ Detail string }
			r.JSON(t, &p)
			for _, leak := range []string{tenant, "127.0.0.1", "vault", "hypo/", "image-pull/"} {
				if strings.Contains(strings.ToLower(p.Detail), strings.ToLower(leak)) {
					t.Errorf("%s with Vault %s: the detail names %q: %s", rq.name, fault, leak, r.Body)
				}
			}
			if testing.Verbose() {
				t.Logf("%s with Vault %s: %d after %s", rq.name, fault, r.Status, took)
			}
			if took >= timeout+time.Second {
				t.Errorf("%s with Vault %s took %s, want under %s", rq.name, fault, took, timeout+time.Second)
			}
		}
	}
	recovered := func(fault string) {
		t.Helper()
		for _, rq := range requests {
			deadline := time.Now().Add(10 * time.Second)
			for {
				r := send(rq, rq.token)
				if r.Status == rq.ok {
					break
				}
				if r.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
					t.Fatalf("%s after Vault %s: %d %s, want %d", rq.name, fault, r.Status, r.Body, rq.ok)
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
	}

	v.Pause(t)
	unavailable("hung", true)
	v.Resume(t)
	recovered("continued")

	v.Seal(t)
	unavailable("sealed", false)
	v.Unseal(t)
	recovered("unsealed")

	v.Stop()
	unavailable("killed", false)
	v.Restart(t) // a dev server comes back empty: the secret is made again
	if r := testkit.Do(t, http.MethodPost, secret, dev, []byte(seedImagePullBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST after Vault restarted: %d %s", r.Status, r.Body)
	}
	recovered("restarted")
}
