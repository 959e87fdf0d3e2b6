package vhost_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/projections"
)

var _ projections.Projection = (*vhost.Projection)(nil)

// dump returns every key and value of the named buckets.
func dump(t *testing.T, db *bbolt.DB, buckets ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.View(func(tx *bbolt.Tx) error {
		for _, name := range buckets {
			b := tx.Bucket([]byte(name))
			if b == nil {
				return fmt.Errorf("no bucket %s", name)
			}
			if err := b.ForEach(func(k, v []byte) error {
				out[name+"/"+string(bytes.ReplaceAll(k, []byte{0}, []byte("|")))] = string(v)
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReplayEqualsLive: the projections rebuilt from the log by replay,
// the sampled audit log included, equal the live ones byte for byte.
func TestReplayEqualsLive(t *testing.T) {
	t.Parallel()
	audit := vhost.AuditConfig{Interval: 30 * time.Second}
	h := vhosttest.Start(t, vhosttest.Options{Audit: audit, Config: vhost.Config{CompactAfter: time.Minute}})
	mustSend(t, h, secure(alice, "a.example", "alice"), alice)
	mustSend(t, h, secure(root, "typed.example", "yca:some-role", "group:/ops"), root)
	mustSend(t, h, insecure(bob, "b.example"), bob)
	mustSend(t, h, insecure(bob, "gone.example"), bob)
	sync(t, h) // the hosts projected before the fake clock passes the handlers' overlay of them
	for i := range 20 {
		mustSend(t, h, heartbeat(alice, "a.example", fmt.Sprintf("s%d", i%4), "h.example"), alice)
		mustSend(t, h, heartbeat(bob, "b.example", "b1", fmt.Sprintf("h%d.example", i%2)), bob)
		mustSend(t, h, heartbeat(bob, "gone.example", "g1", "h.example"), bob)
		h.Clock.Advance(7 * time.Second)
	}
	sync(t, h) // a server is deleted once its heartbeat is projected
	mustSend(t, h, &vhost.DeleteServer{Auth: alice, Name: "a.example", ServerID: "s1"}, alice)
	mustSend(t, h, &vhost.DeleteVirtualHost{Auth: bob, Name: "gone.example"}, bob)
	h.Clock.Advance(20 * time.Minute)
	mustSend(t, h, heartbeat(alice, "a.example", "s0", "h.example"), alice)
	sync(t, h) // compaction judges by the projection: let it see every heartbeat
	mustSend(t, h, &vhost.CompactServers{Auth: root}, root)
	mustSend(t, h, &vhost.GetVirtualHost{Auth: alice, Name: "a.example"}, alice)
	sync(t, h)

	buckets := []string{vhost.HostsBucket, vhost.ServersBucket, vhost.AuditBeatsBucket, projections.AuditBucket, projections.AuditHeadBucket}
	live := dump(t, h.ProjDB, buckets...)
	if n := len(dump(t, h.ProjDB, vhost.ServersBucket)); n != 1 {
		t.Fatalf("live servers after compaction: %d, want 1 (s0)", n)
	}

	dst, err := bbolt.Open(filepath.Join(t.TempDir(), "replay.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	ps, err := vhosttest.Projections(h.Hasher, audit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := projections.Replay(context.Background(), h.Events, dst, nil, ps...); err != nil {
		t.Fatal(err)
	}
	replayed := dump(t, dst, buckets...)
	if len(live) != len(replayed) {
		t.Fatalf("live has %d entries, replay %d", len(live), len(replayed))
	}
	for k, v := range live {
		if replayed[k] != v {
			t.Errorf("%s differs:\nlive   %s\nreplay %s", k, v, replayed[k])
		}
	}
	report, err := projections.VerifyAudit(dst)
	if err != nil || len(report.Problems) > 0 {
		t.Fatalf("replayed audit log: %v %+v", err, report.Problems)
	}
}
