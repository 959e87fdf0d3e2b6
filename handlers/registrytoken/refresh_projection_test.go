package registrytoken_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
)

// projected is a bare projection database with a store reading it.
type projected struct {
	db    *bbolt.DB
	store *registrytoken.SharedRefreshStore
	seq   uint64
}

func newProjected(t *testing.T) *projected {
	t.Helper()
	return newProjectedWith(t, nil)
}

// newProjectedWith reads legacy, an older version's file, as the fallback.
func newProjectedWith(t *testing.T, legacy *registrytoken.BoltRefreshStore) *projected {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "projections.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	noSend := func(context.Context, registrytoken.GrantRefreshToken) error { return errors.New("not here") }
	store, err := registrytoken.NewSharedRefreshStore(db, noSend, legacy)
	if err != nil {
		t.Fatal(err)
	}
	return &projected{db: db, store: store}
}

// apply applies one event of type typ in tenant at time at.
func (p *projected) apply(t *testing.T, typ, tenant string, at time.Time, data any) {
	t.Helper()
	p.seq++
	e := event.New()
	e.SetID(time.Now().String())
	e.SetSource(events.Source)
	e.SetType(typ)
	e.SetTime(at)
	e.SetExtension(events.ExtTenant, tenant)
	raw, err := json.Marshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SetData("application/json", raw); err != nil {
		t.Fatal(err)
	}
	err = p.db.Update(func(tx *bbolt.Tx) error { return registrytoken.RefreshProjection{}.Apply(tx, p.seq, e) })
	if err != nil {
		t.Fatalf("apply %s: %v", typ, err)
	}
}

func record(id, token string, issued time.Time, life time.Duration) registrytoken.GrantRecord {
	return registrytoken.GrantRecord{ID: id, Tenant: "tenant-a", Subject: "alice", Service: service,
		IssuedAt: issued.Unix(), ExpiresAt: issued.Add(life).Unix(), TokenSHA256: hashHex(token)}
}

func TestRefreshProjectionAppliesDeterministically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProjected(t)
	t1 := time.Now().Truncate(time.Second)
	grant := func(r registrytoken.GrantRecord, at time.Time) {
		p.apply(t, events.RegistryRefreshGranted, r.Tenant, at, map[string]any{"actor": r.Subject, "refreshGrant": r})
	}
	grant(record("g1", "token-1", t1, time.Minute), t1)
	grant(record("g2", "token-2", t1, 48*time.Hour), t1)
	if _, err := p.store.Lookup(ctx, "token-1", t1); err != nil {
		t.Fatalf("g1: %v", err)
	}

	// A redelivered id keeps the first grant; a record naming another
	// tenant than its event, or whose hash the bus replaced by an HMAC, is
	// skipped without stopping the projection.
	grant(record("g2", "token-2b", t1, time.Hour), t1)
	bad := record("g3", "token-3", t1, time.Hour)
	p.apply(t, events.RegistryRefreshGranted, "tenant-b", t1, map[string]any{"actor": "alice", "refreshGrant": bad})
	bad.ID, bad.TokenSHA256 = "g4", "hmac-sha256:"+hashHex("x")
	grant(bad, t1)
	for _, tok := range []string{"token-2b", "token-3"} {
		if _, err := p.store.Lookup(ctx, tok, t1); !errors.Is(err, handlers.ErrUnauthenticated) {
			t.Errorf("%s: %v, want ErrUnauthenticated", tok, err)
		}
	}

	// Another tenant's revocation naming g2 does not touch it.
	p.apply(t, events.RegistryRefreshTokensRevoked, "tenant-b", t1, map[string]any{"actor": "root", "refreshGrantIds": []string{"g2"}, "count": 1})
	if _, err := p.store.Lookup(ctx, "token-2", t1); err != nil {
		t.Errorf("g2 after another tenant's revocation: %v", err)
	}

	// Hours later, the expired grant is pruned (unknown, not merely
	// expired); the live one stays.
	later := t1.Add(2 * time.Hour)
	grant(record("g5", "token-5", later, time.Hour), later)
	if _, err := p.store.Grant(ctx, "tenant-a", "g1"); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("g1 after pruning: %v, want ErrNotFound", err)
	}
	if g, err := p.store.Grant(ctx, "tenant-a", "g2"); err != nil || g.Subject != "alice" {
		t.Errorf("g2 after pruning: %+v, %v", g, err)
	}

	// The revocation's time is the event's, on every instance alike.
	revokedAt := later.Add(time.Minute)
	p.apply(t, events.RegistryRefreshTokensRevoked, "tenant-a", revokedAt, map[string]any{"actor": "root", "refreshGrantIds": []string{"g2"}, "count": 1})
	if g, err := p.store.Grant(ctx, "tenant-a", "g2"); err != nil || !g.RevokedAt.Equal(revokedAt) {
		t.Errorf("g2 revoked: %+v, %v; want revoked at %s", g, err, revokedAt)
	}
	if _, err := p.store.Lookup(ctx, "token-2", later); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("g2 after its revocation: %v, want ErrUnauthenticated", err)
	}
	if ids, err := p.store.LiveGrants(ctx, "tenant-a", "alice", later); err != nil || len(ids) != 1 || ids[0] != "g5" {
		t.Errorf("live grants %v, %v; want [g5]", ids, err)
	}
}

// A revocation written before grants were shared names no ids: the old
// version applied it to its own file then, so replaying it revokes nothing,
// not even old grants of the subject issued after it. One written now
// revokes every old grant of the subject.
func TestRefreshProjectionOldRevocations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	legacy, _ := openStore(t)
	now := time.Now().Truncate(time.Second)
	old, err := legacy.Issue(ctx, registrytoken.RefreshGrant{ID: "old-1", Subject: "alice", Tenant: "tenant-a", Service: service,
		IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	p := newProjectedWith(t, legacy)
	p.apply(t, events.RegistryRefreshTokensRevoked, "tenant-a", now.Add(-time.Hour), map[string]any{"actor": "alice", "subject": "alice", "count": 1})
	if _, err := p.store.Lookup(ctx, old, now); err != nil {
		t.Errorf("old grant after an old revocation: %v", err)
	}
	if ids, err := p.store.LiveGrants(ctx, "tenant-a", "alice", now); err != nil || len(ids) != 1 || ids[0] != "old-1" {
		t.Errorf("live grants %v, %v; want [old-1]", ids, err)
	}
	p.apply(t, events.RegistryRefreshTokensRevoked, "tenant-a", now, map[string]any{"actor": "alice", "subject": "alice", "refreshGrantIds": []string{}, "count": 0})
	if _, err := p.store.Lookup(ctx, old, now); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("old grant after a revocation of its subject: %v, want ErrUnauthenticated", err)
	}
}

// registryd refuses to start when the bus would hash a grant's token hash
// (or the ids a revocation names) under its own key.
func TestCheckClearFields(t *testing.T) {
	t.Parallel()
	if err := registrytoken.CheckClearFields(events.ClearFields); err != nil {
		t.Errorf("events.ClearFields: %v", err)
	}
	if err := registrytoken.CheckClearFields(map[string]bool{"refreshGrant": true}); err == nil || !strings.Contains(err.Error(), "refreshGrantIds") {
		t.Errorf("without refreshGrantIds: %v, want an error naming it", err)
	}
}
