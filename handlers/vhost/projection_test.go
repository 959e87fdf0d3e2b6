package vhost_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
)

// applyAll applies outcomes, as events, to a fresh projection and returns
// its view.
func applyAll(t *testing.T, outcomes ...events.Outcome) *vhost.View {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "p.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	applyTo(t, db, 0, outcomes...)
	v, err := vhost.NewView(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// applyTo applies outcomes, as the events after seq, to the projection in
// db, creating its buckets if need be.
func applyTo(t *testing.T, db *bbolt.DB, seq uint64, outcomes ...events.Outcome) {
	t.Helper()
	applyTelling(t, db, nil, seq, outcomes...)
}

// applyTelling is applyTo with the projection telling hosts what it
// changed.
func applyTelling(t *testing.T, db *bbolt.DB, hosts *vhost.HostCache, seq uint64, outcomes ...events.Outcome) {
	t.Helper()
	p := vhost.NewProjection(nil, hosts)
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range p.Buckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		for i, o := range outcomes {
			raw, err := json.Marshal(o.Data)
			if err != nil {
				return err
			}
			n := seq + uint64(i) + 1
			e, err := events.New(o, raw, events.Meta{ID: fmt.Sprintf("e%d", n), Time: time.Unix(0, 0)})
			if err != nil {
				return err
			}
			if err := p.Apply(tx, n, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func created(name, id, scheme string) events.Outcome {
	return events.Outcome{Type: events.VirtualHostCreated, Data: map[string]any{
		"name": name, "id": id, "virtualHost": map[string]any{"scheme": scheme, "serverTimeoutSecs": 60}}}
}

func beat(name, id string, hb int64) events.Outcome {
	return events.Outcome{Type: events.VirtualHostServerHeartbeat, Data: map[string]any{
		"name": name, "id": id, "server": map[string]any{"host": "h", "hb": hb}}}
}

func compacted(refs ...vhost.ServerRef) events.Outcome {
	return events.Outcome{Type: events.VirtualHostServersCompacted, Data: map[string]any{"count": len(refs), "servers": refs}}
}

// TestProjectionOrder: the projection decides from the events alone, so
// races between instances resolve the same way on every replay.
func TestProjectionOrder(t *testing.T) {
	t.Parallel()
	t.Run("the first create of a name wins", func(t *testing.T) {
		v := applyAll(t, created("a", "id1", "http"), created("a", "id2", "https"))
		if h, err := v.Host(t.Context(), "a"); err != nil || h.ID != "id1" || h.Scheme != "http" {
			t.Fatalf("host %+v, %v: want the first", h, err)
		}
	})
	t.Run("a delete of another incarnation is ignored", func(t *testing.T) {
		v := applyAll(t, created("a", "id1", "http"), events.Outcome{Type: events.VirtualHostDeleted, Data: map[string]any{"name": "a", "id": "id2"}})
		if _, err := v.Host(t.Context(), "a"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a heartbeat after its host's deletion is dropped", func(t *testing.T) {
		v := applyAll(t, created("a", "id1", ""), events.Outcome{Type: events.VirtualHostDeleted, Data: map[string]any{"name": "a", "id": "id1"}}, beat("a", "s1", 5))
		if _, err := v.Server(t.Context(), "a", "s1"); !isNotFound(err) {
			t.Fatalf("server of a deleted host: %v", err)
		}
	})
	t.Run("compaction spares a server that beat since it was judged", func(t *testing.T) {
		v := applyAll(t, created("a", "id1", ""), beat("a", "old", 5), beat("a", "back", 5), beat("a", "back", 9),
			compacted(vhost.ServerRef{Name: "a", ID: "old", HB: 5}, vhost.ServerRef{Name: "a", ID: "back", HB: 5}))
		servers, err := v.Servers(t.Context(), "a")
		if err != nil || len(servers) != 1 || servers[0].ID != "back" || servers[0].HB != 9 {
			t.Fatalf("servers %+v, %v: want back only", servers, err)
		}
	})
	t.Run("other event types are ignored", func(t *testing.T) {
		v := applyAll(t, events.Outcome{Type: events.ImagePullSecretCreated, Data: map[string]any{"name": "x"}})
		if hosts, err := v.Hosts(t.Context()); err != nil || len(hosts) != 0 {
			t.Fatalf("hosts %+v, %v", hosts, err)
		}
	})
}

// The view keeps decoded hosts for heartbeats: a host re-created under the
// same name is read as stored, and what one read returns is its own.
func TestViewHostFollowsStore(t *testing.T) {
	t.Parallel()
	for _, cached := range []bool{false, true} {
		t.Run(fmt.Sprintf("cached=%v", cached), func(t *testing.T) {
			t.Parallel()
			db, err := bbolt.Open(filepath.Join(t.TempDir(), "p.db"), 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			var hosts *vhost.HostCache
			if cached {
				hosts = vhost.NewHostCache()
			}
			owned := func(id, scheme, owner string) events.Outcome {
				o := created("a", id, scheme)
				o.Data["virtualHost"].(map[string]any)["owner"] = []string{owner}
				return o
			}
			applyTelling(t, db, hosts, 0, owned("id1", "http", "user:ann"))
			v, err := vhost.NewView(db, hosts)
			if err != nil {
				t.Fatal(err)
			}
			first, err := v.Host(t.Context(), "a")
			if err != nil || first.ID != "id1" || len(first.Owners) != 1 || first.Owners[0] != "user:ann" {
				t.Fatalf("host %+v, %v", first, err)
			}
			first.Owners[0] = "user:mallory"
			if again, err := v.Host(t.Context(), "a"); err != nil || again.Owners[0] != "user:ann" {
				t.Fatalf("second read %+v, %v: a caller's change to the first read leaked", again, err)
			}
			applyTelling(t, db, hosts, 1, events.Outcome{Type: events.VirtualHostDeleted, Data: map[string]any{"name": "a", "id": "id1"}},
				owned("id2", "https", "user:bob"))
			if h, err := v.Host(t.Context(), "a"); err != nil || h.ID != "id2" || h.Scheme != "https" || h.Owners[0] != "user:bob" {
				t.Fatalf("host after re-create %+v, %v: want id2, https, user:bob", h, err)
			}
			applyTelling(t, db, hosts, 3, events.Outcome{Type: events.VirtualHostDeleted, Data: map[string]any{"name": "a", "id": "id2"}})
			if _, err := v.Host(t.Context(), "a"); !isNotFound(err) {
				t.Fatalf("host after delete: %v, want ErrNotFound", err)
			}
			applyTelling(t, db, hosts, 4, owned("id3", "http", "user:cy"))
			if h, err := v.Host(t.Context(), "a"); err != nil || h.ID != "id3" {
				t.Fatalf("host after the third create %+v, %v: want id3", h, err)
			}
		})
	}
}

// TestOwnersReplayAsGiven: created events keep their owner strings as
// given, those an earlier release wrote (user, group and bare owners) and
// typed ones alike, so replaying the log gives every host its owners back.
func TestOwnersReplayAsGiven(t *testing.T) {
	t.Parallel()
	fromJSON := func(name, raw string) events.Outcome {
		var record map[string]any
		if err := json.Unmarshal([]byte(raw), &record); err != nil {
			t.Fatal(err)
		}
		return events.Outcome{Type: events.VirtualHostCreated, Data: map[string]any{"name": name, "id": name + "-id", "tenant": "acme", "virtualHost": record}}
	}
	earlier := `{"serverTimeoutSecs":600,"owner":["alice","user:bob","group:/ops"],"securityData":{"SelfSignedSSL":{"cert":"PEM"}},"created":1735689600000}`
	typed := `{"serverTimeoutSecs":600,"owner":["yca:some-role","YCA:Other","user:alice"],"securityData":{"SelfSignedSSL":{"cert":"PEM"}},"created":1735689600000}`
	v := applyAll(t, fromJSON("earlier.example", earlier), fromJSON("typed.example", typed))
	for name, want := range map[string][]string{
		"earlier.example": {"alice", "user:bob", "group:/ops"},
		"typed.example":   {"yca:some-role", "YCA:Other", "user:alice"},
	} {
		h, err := v.Host(t.Context(), name)
		if err != nil || !slices.Equal(h.Owners, want) || !h.Secure() || h.Tenant != "acme" {
			t.Errorf("%s: %+v, %v; want owners %q", name, h, err, want)
		}
	}
}
