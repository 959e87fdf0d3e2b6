package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// crossInstanceBound is how long a grant or a revocation committed on one
// instance may take to reach another's projection in these tests: the
// outbox relay, the broker and the other instance's feed (README, "Running
// several instances"). It is generous for a loaded machine; the lag
// measured is logged.
const crossInstanceBound = 10 * time.Second

func withTokenService(c *app.Config) {
	c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{AllowedServices: []string{"registry"}})
}

// refreshOn answers the refresh_token grant of token on reg: the status
// and the body.
func refreshOn(t *testing.T, reg *testkit.Registry, token string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "service": {"registry"}}
	resp, err := http.Post(reg.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// awaitRefresh waits until reg answers the refresh of token with status,
// within crossInstanceBound, and returns how long it took.
func awaitRefresh(t *testing.T, reg *testkit.Registry, token string, status int, what string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got, body := refreshOn(t, reg, token)
		if got == status {
			return time.Since(start)
		}
		if time.Since(start) > crossInstanceBound {
			t.Fatalf("%s: refresh still answered %d %s after %s, want %d", what, got, body, crossInstanceBound, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Two registryd on one Kafka-protocol broker, each with its own data
// directory and projections: a refresh token from A works on B, and B's
// revocation is honoured on A.
func TestRefreshTokensAcrossInstances(t *testing.T) {
	t.Parallel()
	a := testkit.StartRegistryOn(t, testkit.EmbeddedKafka, withTokenService)
	b := testkit.StartRegistry(t, withTokenService, func(c *app.Config) {
		c.Kafka.Brokers = a.Kafka.Brokers
		c.Kafka.ConsumerGroup = "registry-projections-" + testkit.RandomTenant(t)
		c.OIDC = auth.Config{Issuer: a.OIDC.URL, Audience: testkit.Audience}
	})
	tenant := a.Tenant(t)
	jwt := a.Token(t, "alice", tenant, "developer")

	login := testkit.Do(t, http.MethodGet, a.URL+"/token?service=registry&offline_token=true", jwt, nil)
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal(login.Body, &tr); login.Status != http.StatusOK || err != nil || tr.RefreshToken == "" {
		t.Fatalf("login on A: %d %s", login.Status, login.Body)
	}
	// Read-your-writes: A answered the login once its own projection had
	// the grant, so the token works there at once.
	if status, body := refreshOn(t, a, tr.RefreshToken); status != http.StatusOK {
		t.Fatalf("refresh on A right after the login: %d %s", status, body)
	}
	lag := awaitRefresh(t, b, tr.RefreshToken, http.StatusOK, "A's grant on B")
	t.Logf("A's grant usable on B after %s", lag)

	// B revokes; B refuses at once (the revocation answered once applied
	// there), A within the bound.
	revoke := testkit.Do(t, http.MethodPost, b.URL+"/registry-api/registry-token/revoke", jwt, []byte(`{"subject":"alice@`+tenant+`"}`))
	if revoke.Status != http.StatusOK || !strings.Contains(string(revoke.Body), `"revoked":1`) {
		t.Fatalf("revoke on B: %d %s", revoke.Status, revoke.Body)
	}
	if status, body := refreshOn(t, b, tr.RefreshToken); status != http.StatusUnauthorized || !strings.Contains(body, registrytoken.ReasonInvalidRefreshToken) {
		t.Errorf("refresh on B after its revocation: %d %s, want 401 %s", status, body, registrytoken.ReasonInvalidRefreshToken)
	}
	lag = awaitRefresh(t, a, tr.RefreshToken, http.StatusUnauthorized, "B's revocation on A")
	t.Logf("B's revocation honoured on A after %s", lag)
}

// Grants an older registryd kept in DATA_DIR/registry-token.db keep
// working after the upgrade, read-only, until a revocation names them.
func TestOldRefreshGrantsSurviveTheUpgrade(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tenant := testkit.RandomTenant(t)
	db, err := bolt.Open(filepath.Join(dir, "registry-token.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := registrytoken.NewBoltRefreshStore(db)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	token, err := old.Issue(context.Background(), registrytoken.RefreshGrant{ID: "old-grant", Subject: "alice@" + tenant, Tenant: tenant,
		Service: "registry", IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	reg := testkit.StartRegistry(t, withTokenService, func(c *app.Config) { c.DataDir = dir })
	if status, body := refreshOn(t, reg, token); status != http.StatusOK {
		t.Fatalf("refresh with an old grant: %d %s", status, body)
	}
	jwt := reg.Token(t, "alice", tenant, "developer")
	revoke := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/registry-token/revoke", jwt, []byte(`{"subject":"alice@`+tenant+`"}`))
	if revoke.Status != http.StatusOK || !strings.Contains(string(revoke.Body), `"revoked":1`) {
		t.Fatalf("revoke: %d %s", revoke.Status, revoke.Body)
	}
	if status, body := refreshOn(t, reg, token); status != http.StatusUnauthorized {
		t.Errorf("refresh with a revoked old grant: %d %s, want 401", status, body)
	}
}

// A refresh token, its grant and its use leave no trace of the token: not
// in the log lines, the events, the audit records or any file of the data
// directory; only its SHA-256 is in the granted event.
func TestRefreshTokenLeavesNoTrace(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService)
	jwt := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	login := testkit.Do(t, http.MethodGet, reg.URL+"/token?service=registry&offline_token=true", jwt, nil)
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal(login.Body, &tr); login.Status != http.StatusOK || err != nil || tr.RefreshToken == "" {
		t.Fatalf("login: %d %s", login.Status, login.Body)
	}
	if status, body := refreshOn(t, reg, tr.RefreshToken); status != http.StatusOK {
		t.Fatalf("refresh: %d %s", status, body)
	}
	waitProjections(t, reg)

	canaries := []string{tr.RefreshToken, jwt}
	assertAbsent(t, "log lines", reg.Logs.Bytes(), canaries)
	var all []event.Event
	if _, err := reg.Events().Read(context.Background(), 1, 0, func(_ uint64, e event.Event) error {
		all = append(all, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(all)
	assertAbsent(t, "events", raw, canaries)
	sum := sha256.Sum256([]byte(tr.RefreshToken))
	if !bytes.Contains(raw, []byte(`"tokenSha256":"`+hex.EncodeToString(sum[:])+`"`)) {
		t.Errorf("no granted event keyed by the token's SHA-256: %s", raw)
	}
	records, _ := json.Marshal(reg.AuditRecords(t))
	assertAbsent(t, "audit records", records, canaries)
	assertAbsentFromDataDir(t, reg.DataDir, canaries)
}
