package auth_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// refreshEvery is the JWKS refresh of these tests: short, so a refresh
// happens many times within the polling deadline.
const refreshEvery = 200 * time.Millisecond

// waitDeadline bounds the polling. It is well below the verified-token
// cache's age (30s), so a pass shows the refresh, not the cache expiring,
// ended the old key's trust.
const waitDeadline = 10 * time.Second

// pollVerify verifies tok until done(err) holds or waitDeadline passes, and
// returns the last error.
func pollVerify(t *testing.T, v *auth.Verifier, tok string, done func(error) bool) error {
	t.Helper()
	deadline := time.Now().Add(waitDeadline)
	for {
		_, err := verify(t, v, tok)
		if done(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(refreshEvery / 4)
	}
}

// A key the issuer removes from its JWKS stops being trusted by a running
// verifier within one refresh: its token, accepted (and cached) before, is
// refused after, with no restart and no new verifier.
func TestRemovedKeyRefusedAfterRefresh(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, func(c *auth.Config) { c.JWKSRefresh = refreshEvery })
	_, oldKID := o.SigningKey()
	oldTok := o.Token(t, "alice", []string{"tenant-a"})
	for range 2 { // the second is answered from the cache
		if _, err := verify(t, v, oldTok); err != nil {
			t.Fatalf("before the key is removed: %v", err)
		}
	}
	if v.CacheHits() == 0 {
		t.Fatal("the token was not cached: the test would not show the cache is emptied")
	}

	if _, err := o.Rotate(); err != nil {
		t.Fatal(err)
	}
	if err := o.Retire(oldKID); err != nil {
		t.Fatal(err)
	}
	err := pollVerify(t, v, oldTok, func(err error) bool { return err != nil })
	if !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("old key's token %s after its removal: %v, want ErrUnknownKey", waitDeadline, err)
	}
	// Refused for good, and the current key still works.
	if _, err := verify(t, v, oldTok); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("old key's token again: %v", err)
	}
	if _, err := verify(t, v, o.Token(t, "alice", []string{"tenant-a"})); err != nil {
		t.Errorf("current key: %v", err)
	}
}

// A key the issuer adds is picked up by the scheduled refresh, even when the
// unknown-kid refresh is spent (rate-limited to one per 5 minutes).
func TestAddedKeyPickedUpByRefresh(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, func(c *auth.Config) { c.JWKSRefresh = refreshEvery })

	// Spend the unknown-kid refresh on a kid the JWKS never publishes.
	kid, err := o.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Retire(kid); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(t, v, o.Token(t, "alice", []string{"tenant-a"})); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("unpublished key: %v, want ErrUnknownKey", err)
	}

	if _, err := o.Rotate(); err != nil {
		t.Fatal(err)
	}
	newTok := o.Token(t, "alice", []string{"tenant-a"})
	err = pollVerify(t, v, newTok, func(err error) bool { return err == nil })
	if err != nil {
		t.Fatalf("new key's token %s after it was published: %v", waitDeadline, err)
	}
}

// Without the scheduled refresh (an hour apart), the spent unknown-kid
// refresh leaves a new key unknown: the control that shows the test above
// exercises the schedule, not some other path.
func TestAddedKeyUnknownUntilRefresh(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, func(c *auth.Config) { c.JWKSRefresh = time.Hour })
	kid, err := o.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Retire(kid); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(t, v, o.Token(t, "alice", []string{"tenant-a"})); !errors.Is(err, auth.ErrUnknownKey) {
		t.Fatalf("unpublished key: %v, want ErrUnknownKey", err)
	}
	if _, err := o.Rotate(); err != nil {
		t.Fatal(err)
	}
	newTok := o.Token(t, "alice", []string{"tenant-a"})
	time.Sleep(5 * refreshEvery)
	if _, err := verify(t, v, newTok); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("new key with the unknown-kid refresh spent and no refresh due: %v, want ErrUnknownKey", err)
	}
}

// A refresh that fails keeps the last fetched key set (an issuer outage is
// not an outage of every caller) and is logged as a warning naming the URL.
func TestFailedRefreshKeepsKeysAndIsLogged(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	jwksPath := strings.TrimPrefix(o.JWKSURL, o.URL)
	var failing atomic.Bool
	issuer := o.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		issuer.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	logs := &testkit.SyncBuffer{}
	v := newVerifier(t, o, func(c *auth.Config) {
		c.JWKSURL = srv.URL + jwksPath
		c.JWKSRefresh = refreshEvery
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	tok := o.Token(t, "alice", []string{"tenant-a"})
	failing.Store(true)
	deadline := time.Now().Add(waitDeadline)
	for !bytes.Contains(logs.Bytes(), []byte("JWKS refresh failed")) {
		if time.Now().After(deadline) {
			t.Fatalf("no failed refresh logged within %s: %s", waitDeadline, logs.Bytes())
		}
		time.Sleep(refreshEvery / 4)
	}
	if !bytes.Contains(logs.Bytes(), []byte(srv.URL+jwksPath)) || !bytes.Contains(logs.Bytes(), []byte("level=WARN")) {
		t.Errorf("log does not name the URL at WARN: %s", logs.Bytes())
	}
	if _, err := verify(t, v, tok); err != nil {
		t.Errorf("after failed refreshes: %v, want the last fetched key still trusted", err)
	}
}
