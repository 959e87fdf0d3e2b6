package app_test

import (
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// peerBound is how long the tests allow another instance to show a change
// (the relay publishing the event, the peer's fetch wait of 100 ms, its
// projection applying it): well above what it takes on an idle machine, so
// a loaded CI machine does not fail it. README states it.
const peerBound = 5 * time.Second

// Two instances on one Vault and one Kafka behave as one service: a secret
// written on A is read on B at once (Vault holds it); a virtual host and a
// role mapping created on A are seen on B within peerBound (each
// instance's projections follow registry.events).
func TestTwoInstancesAsOneService(t *testing.T) {
	t.Parallel()
	key := testkit.P256KeyFile(t)
	a := testkit.StartRegistryOn(t, testkit.VaultKafka, func(c *app.Config) { c.TerminalTokenKeyPath = key })
	b := a.StartPeer(t)
	tenant := a.Tenant(t)
	alice := a.Token(t, "alice", tenant, "developer")

	secret := "/registry-api/image-pull/secret/shared"
	if r := testkit.Do(t, http.MethodPost, a.URL+secret, alice, []byte(`{"username":"u","password":"p-two","url":"https://registry.example.com"}`)); r.Status != http.StatusCreated {
		t.Fatalf("create on A: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, b.URL+secret, alice, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"p-two"`) {
		t.Fatalf("read on B: %d %s", r.Status, r.Body)
	}

	host := tenant + ".peer.example.com"
	if r := testkit.Do(t, http.MethodPost, a.URL+"/registry/v1/virtualHost", alice, []byte(`{"virtualHost":{"name":"`+host+`"}}`)); r.Status != http.StatusOK {
		t.Fatalf("virtual host on A: %d %s", r.Status, r.Body)
	}
	// Read-your-writes on the instance that took the write.
	if r := testkit.Do(t, http.MethodGet, a.URL+"/registry/v1/virtualHost/"+host, alice, nil); r.Status != http.StatusOK {
		t.Errorf("A reading its own new virtual host: %d %s", r.Status, r.Body)
	}

	lag := testkit.Eventually(t, peerBound, "B to list A's virtual host", func() bool {
		r := testkit.Do(t, http.MethodGet, b.URL+"/registry/v1/virtualHost", alice, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), host)
	})
	t.Logf("B listed A's virtual host %v after A answered", lag.Round(time.Millisecond))
	// and B's heartbeat into it is seen on A
	if r := testkit.Do(t, http.MethodPut, b.URL+"/registry/v1/virtualHost/"+host+"/server/s1", alice, []byte(`{"server":{"host":"b.example"}}`)); r.Status != http.StatusOK {
		t.Fatalf("heartbeat on B: %d %s", r.Status, r.Body)
	}
	testkit.Eventually(t, peerBound, "A to show B's heartbeat", func() bool {
		r := testkit.Do(t, http.MethodGet, a.URL+"/registry/v1/virtualHost/"+host+"/server", alice, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), `"b.example"`)
	})

	admin := a.Token(t, "root", tenant, "platform-admin")
	if r := testkit.Do(t, http.MethodPost, a.URL+"/registry-api/admin/roleMappings", admin, []byte(`{"principalId":"carol","role":"DEVELOPER"}`)); r.Status != http.StatusCreated {
		t.Fatalf("role mapping on A: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, a.URL+"/registry-api/admin/roleMappings/carol", admin, nil); r.Status != http.StatusOK {
		t.Errorf("A reading its own new role mapping: %d %s", r.Status, r.Body)
	}
	testkit.Eventually(t, peerBound, "B to show A's role mapping", func() bool {
		r := testkit.Do(t, http.MethodGet, b.URL+"/registry-api/admin/roleMappings/carol", admin, nil)
		return r.Status == http.StatusOK && strings.Contains(string(r.Body), "DEVELOPER")
	})
}

// Instances given the same terminal key serve the same JWKS, so a token
// from one verifies with the keys fetched from any; a key path that does not
// exist stops the start, naming the setting, rather than leaving an
// instance with a key of its own.
func TestTerminalKeyIsShared(t *testing.T) {
	t.Parallel()
	key := testkit.P256KeyFile(t)
	a := testkit.StartRegistry(t, func(c *app.Config) { c.TerminalTokenKeyPath = key })
	b := testkit.StartRegistry(t, func(c *app.Config) { c.TerminalTokenKeyPath = key })
	own := testkit.StartRegistry(t)
	jwks := func(r *testkit.Registry) string {
		resp := testkit.Do(t, http.MethodGet, r.URL+"/registry-api/kube-conf/jwks.json", "", nil)
		if resp.Status != http.StatusOK {
			t.Fatalf("jwks: %d %s", resp.Status, resp.Body)
		}
		return string(resp.Body)
	}
	if ja, jb := jwks(a), jwks(b); ja != jb || ja == jwks(own) {
		t.Fatalf("JWKS of two instances on one key differ, or equal a generated key's:\n%s\n%s", ja, jb)
	}
	cfg := app.Config{HTTPAddr: "127.0.0.1:0", DataDir: t.TempDir(), TerminalTokenKeyPath: filepath.Join(t.TempDir(), "missing.key"),
		OIDC: auth.Config{Issuer: a.OIDC.URL, Audience: testkit.Audience}}
	if _, err := app.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), new(slog.LevelVar)); err == nil || !strings.Contains(err.Error(), "REGISTRY_TERMINAL_TOKEN_KEY_PATH") {
		t.Fatalf("start with a missing terminal key: %v, want an error naming REGISTRY_TERMINAL_TOKEN_KEY_PATH", err)
	}
}
