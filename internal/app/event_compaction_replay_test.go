package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/testkit"
)

// decidingEvents maps each server to the sequences of the events in the
// log that decide its entry, in order; total counts every event.
func decidingEvents(t *testing.T, reg *testkit.Registry) (byServer map[string][]uint64, total int) {
	t.Helper()
	byServer = map[string][]uint64{}
	if _, err := reg.Events().Read(context.Background(), 1, 0, func(seq uint64, e event.Event) error {
		total++
		if k, ok := vhost.ServerEntryDecided(e); ok {
			byServer[k] = append(byServer[k], seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return byServer, total
}

// replayEqualsLive replays the event log into a fresh database and checks
// that every projection's buckets equal the live ones; it returns the live
// buckets and the replay's counts.
func replayEqualsLive(t *testing.T, reg *testkit.Registry) (live map[string]map[string]string, counts map[string]uint64) {
	t.Helper()
	fresh, err := bolt.Open(filepath.Join(t.TempDir(), "replay.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	ps := app.Projections()
	if counts, err = projections.Replay(context.Background(), reg.Events(), fresh, nil, ps...); err != nil {
		t.Fatal(err)
	}
	var buckets []string
	for _, p := range ps {
		buckets = append(buckets, p.Buckets()...)
	}
	if live, err = projections.DumpBuckets(reg.ProjectionsDB(), buckets...); err != nil {
		t.Fatal(err)
	}
	replayed, err := projections.DumpBuckets(fresh, buckets...)
	if err != nil {
		t.Fatal(err)
	}
	if len(live[vhost.ServersBucket]) == 0 {
		t.Fatal("no servers in the live projection: the flows should have made some")
	}
	lj, _ := json.Marshal(live)
	rj, _ := json.Marshal(replayed)
	if !bytes.Equal(lj, rj) {
		t.Errorf("replayed projections differ from the live ones:\nlive     %s\nreplayed %s", lj, rj)
	}
	return live, counts
}

// settle waits until the projections and the audit log hold every event
// committed.
func settle(t *testing.T, reg *testkit.Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reg.WaitProjections(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reg.WaitAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestCompactedLogReplaysToTheLiveProjections drives servers through
// heartbeats, removals and their host's deletion and re-creation, compacts
// the event log, and checks that it keeps exactly each server's latest
// deciding event besides every other event, and still replays to the
// projections the registry holds.
func TestCompactedLogReplaysToTheLiveProjections(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tok := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	vh := reg.URL + "/registry/v1/virtualHost"
	do := func(method, url, body string, want int) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		if r := testkit.Do(t, method, url, tok, b); r.Status != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, url, r.Status, want, r.Body)
		}
	}
	beat := func(host, server string, times int) {
		t.Helper()
		for range times {
			do(http.MethodPut, vh+"/"+host+"/server/"+server, `{"host":"10.0.0.1","port":8080}`, http.StatusOK)
		}
	}
	compact := func(wantDropped int) {
		t.Helper()
		settle(t, reg)
		before, total := decidingEvents(t, reg)
		n, err := reg.CompactEvents(context.Background())
		if err != nil || n != wantDropped {
			t.Fatalf("CompactEvents = %d, %v; want %d dropped", n, err, wantDropped)
		}
		after, left := decidingEvents(t, reg)
		if left != total-n {
			t.Errorf("the log holds %d events after dropping %d of %d", left, n, total)
		}
		for server, seqs := range before {
			if got := after[server]; len(got) != 1 || got[0] != seqs[len(seqs)-1] {
				t.Errorf("server %q: deciding events %v after compaction, want only the latest of %v", server, got, seqs)
			}
		}
		replayEqualsLive(t, reg)
	}

	do(http.MethodPost, vh, `{"name":"one.example.com","port":443}`, http.StatusOK)
	do(http.MethodPost, vh, `{"name":"two.example.com","port":443}`, http.StatusOK)
	do(http.MethodPost, reg.URL+"/registry-api/image-pull/secret/pull", `{"username":"u","password":"p"}`, http.StatusCreated)
	beat("one.example.com", "s1", 3)
	beat("one.example.com", "s2", 2)
	do(http.MethodDelete, vh+"/one.example.com/server/s2", "", http.StatusNoContent)
	beat("one.example.com", "s2", 1) // back after its removal
	beat("two.example.com", "s3", 2)
	do(http.MethodDelete, vh+"/two.example.com", "", http.StatusNoContent)
	do(http.MethodPost, vh, `{"name":"two.example.com","port":443}`, http.StatusOK)
	beat("two.example.com", "s3", 1) // on the host's next incarnation
	beat("two.example.com", "s4", 1)
	beat("two.example.com", "s1", 1) // another host's s1: another server
	// s1: 2 of 3 heartbeats; s2: 2 heartbeats and the removal; s3: 2 of 3.
	compact(2 + 3 + 2)

	// Later heartbeats make the kept ones redundant in turn.
	beat("one.example.com", "s1", 2)
	beat("two.example.com", "s4", 1)
	compact(2 + 1)
	compact(0)
}

// TestCompactionWhileHeartbeatsFlow compacts over and over while servers
// heartbeat, the projections and the audit feed reading behind them: no
// reader meets a hole or an error, and the log still replays to the live
// projections.
func TestCompactionWhileHeartbeatsFlow(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tok := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	vh := reg.URL + "/registry/v1/virtualHost"
	if r := testkit.Do(t, http.MethodPost, vh, tok, []byte(`{"name":"busy.example.com","port":443}`)); r.Status != http.StatusOK {
		t.Fatalf("create host: %d %s", r.Status, r.Body)
	}
	done := make(chan struct{})
	var dropped int
	go func() {
		defer close(done)
		for range 40 {
			n, err := reg.CompactEvents(context.Background())
			if err != nil {
				t.Errorf("CompactEvents while heartbeats flow: %v", err)
				return
			}
			dropped += n
			time.Sleep(5 * time.Millisecond)
		}
	}()
	for i := range 400 {
		url := vh + "/busy.example.com/server/s" + string(rune('a'+i%8))
		if r := testkit.Do(t, http.MethodPut, url, tok, []byte(`{"host":"10.0.0.1","port":8080}`)); r.Status != http.StatusOK {
			t.Fatalf("heartbeat %d: %d %s", i, r.Status, r.Body)
		}
	}
	<-done
	settle(t, reg)
	n, err := reg.CompactEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if dropped+n != 400-8 {
		t.Errorf("compaction dropped %d heartbeats in all, want %d (all but each server's last)", dropped+n, 400-8)
	}
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/readyz", "", nil); r.Status != http.StatusOK {
		t.Errorf("/readyz after compacting under load: %d %s", r.Status, r.Body)
	}
	replayEqualsLive(t, reg)
}
