package registrytoken_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/projections"
)

var tenantAdmin = handlers.Caller{Subject: "root", Tenant: "tenant-a", Roles: []string{"admin"}}

// login is docker login with offline_token: it returns the refresh token.
func (s *stack) login(t *testing.T, extra map[string]any) string {
	t.Helper()
	q := url.Values{"service": {service}, "client_id": {"docker"}, "offline_token": {"true"}}
	tr := decodeToken(t, s.get(t, q.Encode(), basic("alice", s.jwtFor(t, extra))))
	if tr.RefreshToken == "" {
		t.Fatal("no refresh token for offline_token=true")
	}
	return tr.RefreshToken
}

// refresh is the refresh_token grant; it returns the status and the
// rejection reason, if any.
func (s *stack) refresh(t *testing.T, token string) (int, string) {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "service": {service}, "scope": {"repository:team-a/app:pull"}}
	r := s.post(t, form.Encode())
	reason := ""
	if i := bytes.Index(r.body, []byte(`"reason":"`)); i >= 0 {
		rest := r.body[i+len(`"reason":"`):]
		reason = string(rest[:bytes.IndexByte(rest, '"')])
	}
	return r.status, reason
}

// revoke sends the revoke command on the bus and waits for the
// projection, as the REST route does.
func (s *stack) revoke(t *testing.T, cmd registrytoken.RevokeRegistryRefreshTokens) (int, error) {
	t.Helper()
	reply, err := s.bus.Send(context.Background(), &cmd, bus.Envelope{})
	if err != nil {
		t.Fatal(err)
	}
	if err := reply.Error.Err(); err != nil {
		return 0, err
	}
	if err := s.runner.WaitFor(context.Background(), s.events.Last()); err != nil {
		t.Fatal(err)
	}
	var r registrytoken.RevokeReply
	if err := json.Unmarshal(reply.Data, &r); err != nil {
		t.Fatal(err)
	}
	return r.Revoked, nil
}

func wantRefresh(t *testing.T, s *stack, name, token string, status int) {
	t.Helper()
	got, reason := s.refresh(t, token)
	if got != status {
		t.Errorf("%s: refresh answered %d (%s), want %d", name, got, reason, status)
	}
	if status == http.StatusUnauthorized && reason != registrytoken.ReasonInvalidRefreshToken {
		t.Errorf("%s: reason %q, want %s", name, reason, registrytoken.ReasonInvalidRefreshToken)
	}
}

func hashHex(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// grantIDs maps token hash → grant id from the granted events.
func (s *stack) grantIDs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	types, data, _ := s.tokenEvents(t)
	for i, typ := range types {
		if typ == events.RegistryRefreshGranted {
			g := data[i]["refreshGrant"].(map[string]any)
			out[g["tokenSha256"].(string)] = g["id"].(string)
		}
	}
	return out
}

func TestSharedRefreshGrantsIssueRefreshRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startStack(t, nil)
	claims := map[string]any{"stellaops:plan": "team", "stellaops:license": "lic-ok"}
	r1, r2, r3 := s.login(t, claims), s.login(t, claims), s.login(t, claims)

	// The grant is usable as soon as the login answered: Issue waited for
	// the projection.
	g, err := s.store.Lookup(ctx, r1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if g.Subject != "alice" || g.Tenant != "tenant-a" || g.Plan != "team" || g.License != "lic-ok" || g.ClientID != "docker" || g.Service != service {
		t.Errorf("grant %+v", g)
	}
	wantRefresh(t, s, "fresh", r1, http.StatusOK)
	ids := s.grantIDs(t)
	if ids[hashHex(r1)] != g.ID || len(ids) != 3 {
		t.Fatalf("granted events by token hash %v, want the grant %s under the SHA-256 of its token", ids, g.ID)
	}

	// Another tenant's admin does not find the grant.
	other := handlers.Caller{Subject: "root", Tenant: "tenant-b", Roles: []string{"admin"}}
	if _, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: other}, ID: g.ID}); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("another tenant revoking by id: %v, want ErrNotFound", err)
	}
	wantRefresh(t, s, "after another tenant's revocation", r1, http.StatusOK)

	// By id: that grant only, at once on this instance.
	if n, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: tenantAdmin}, ID: g.ID}); err != nil || n != 1 {
		t.Fatalf("revoke by id: %d, %v", n, err)
	}
	wantRefresh(t, s, "revoked by id", r1, http.StatusUnauthorized)
	wantRefresh(t, s, "another grant", r2, http.StatusOK)
	if n, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: tenantAdmin}, ID: g.ID}); err != nil || n != 1 {
		t.Errorf("revoking by id again: %d, %v; want 1, no error", n, err)
	}

	// By subject: the subject's live grants, named in the event.
	if n, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: alice}, Subject: "alice"}); err != nil || n != 2 {
		t.Fatalf("revoke by subject: %d, %v; want 2", n, err)
	}
	wantRefresh(t, s, "revoked by subject", r2, http.StatusUnauthorized)
	wantRefresh(t, s, "revoked by subject", r3, http.StatusUnauthorized)
	types, data, _ := s.tokenEvents(t)
	var last map[string]any
	for i, typ := range types {
		if typ == events.RegistryRefreshTokensRevoked {
			last = data[i]
		}
	}
	named := []string{ids[hashHex(r2)], ids[hashHex(r3)]}
	slices.Sort(named)
	if last == nil || !slices.Equal(anyStrings(last["refreshGrantIds"]), named) || last["subject"] != "alice" {
		t.Errorf("last revocation event %v, want refreshGrantIds %v", last, named)
	}
	checkEventSchemas(t, s)
}

// A replay of the event log rebuilds the same grants, revocations
// included, and a store over the rebuilt projection answers alike.
func TestSharedRefreshGrantsReplay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := startStack(t, nil)
	claims := map[string]any{"stellaops:plan": "team", "stellaops:license": "lic-ok"}
	live, revoked := s.login(t, claims), s.login(t, claims)
	g, err := s.store.Lookup(ctx, revoked, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: tenantAdmin}, ID: g.ID}); err != nil {
		t.Fatal(err)
	}

	rebuilt, err := bbolt.Open(filepath.Join(t.TempDir(), "rebuilt.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer rebuilt.Close()
	if _, err := projections.Replay(ctx, s.events, rebuilt, nil, registrytoken.RefreshProjection{}); err != nil {
		t.Fatal(err)
	}
	if a, b := dumpBucket(t, s.projDB, registrytoken.GrantsBucket), dumpBucket(t, rebuilt, registrytoken.GrantsBucket); !slices.Equal(a, b) || len(a) != 2 {
		t.Errorf("grants live %q\nrebuilt %q", a, b)
	}
	noSend := func(context.Context, registrytoken.GrantRefreshToken) error { return errors.New("not here") }
	store, err := registrytoken.NewSharedRefreshStore(rebuilt, noSend, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g, err := store.Lookup(ctx, live, time.Now()); err != nil || g.License != "lic-ok" {
		t.Errorf("live grant after replay: %+v, %v", g, err)
	}
	if _, err := store.Lookup(ctx, revoked, time.Now()); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("revoked grant after replay: %v, want ErrUnauthenticated", err)
	}
}

func TestSharedRefreshGrantsExpire(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Now()}
	s := startStack(t, func(c *registrytoken.Config) {
		c.Now = clock.Now
		c.Refresh.Lifetime = registrytoken.MinRefreshLifetime
	})
	r := s.login(t, nil)
	wantRefresh(t, s, "fresh", r, http.StatusOK)
	clock.add(registrytoken.MinRefreshLifetime)
	wantRefresh(t, s, "expired", r, http.StatusUnauthorized)
}

// Grants an older version kept in its own file still work, and
// revocations in the event log reach them: by id, and by subject.
func TestLegacyRefreshGrantsFallBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	legacy, _ := openStore(t)
	now := time.Now().UTC()
	issue := func(id, subject string) string {
		tok, err := legacy.Issue(ctx, registrytoken.RefreshGrant{ID: id, Subject: subject, Tenant: "tenant-a", Plan: "team",
			License: "lic-7", Service: service, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	l1, l2, bob := issue("old-1", "alice"), issue("old-2", "alice"), issue("old-3", "bob")
	s := startStackWith(t, nil, legacy)
	wantRefresh(t, s, "old grant", l1, http.StatusOK)

	if n, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: tenantAdmin}, ID: "old-1"}); err != nil || n != 1 {
		t.Fatalf("revoke an old grant by id: %d, %v", n, err)
	}
	wantRefresh(t, s, "old grant revoked by id", l1, http.StatusUnauthorized)
	wantRefresh(t, s, "another old grant", l2, http.StatusOK)

	if n, err := s.revoke(t, registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: alice}, Subject: "alice"}); err != nil || n != 1 {
		t.Fatalf("revoke the old grants of a subject: %d, %v; want 1", n, err)
	}
	wantRefresh(t, s, "old grant revoked by subject", l2, http.StatusUnauthorized)
	wantRefresh(t, s, "another subject's old grant", bob, http.StatusOK)
	if _, err := legacy.Lookup(ctx, l1, time.Now()); err != nil {
		t.Errorf("the old file was written to: %v", err)
	}
}

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func dumpBucket(t *testing.T, db *bbolt.DB, bucket string) []string {
	t.Helper()
	var out []string
	err := db.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error {
			out = append(out, hex.EncodeToString(k)+"="+string(v))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func anyStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}
