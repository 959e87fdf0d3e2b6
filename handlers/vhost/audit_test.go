package vhost_test

import (
	"encoding/json"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
	"github.com/hypo-registry/registry/projections"
)

type auditedBeat struct {
	id         string
	suppressed int64
}

// auditedBeats lists the heartbeat records of the audit log, in order.
func auditedBeats(t *testing.T, h *vhosttest.Harness) []auditedBeat {
	t.Helper()
	var out []auditedBeat
	err := h.ProjDB.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(projections.AuditBucket)).ForEach(func(_, v []byte) error {
			var r projections.Record
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Type != events.VirtualHostServerHeartbeat {
				return nil
			}
			var d struct {
				ID         string `json:"id"`
				Suppressed int64  `json:"suppressedHeartbeats"`
			}
			if err := json.Unmarshal(r.Data, &d); err != nil {
				return err
			}
			out = append(out, auditedBeat{d.ID, d.Suppressed})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAuditSamplesHeartbeats: with sampling, the audit log records a
// server's first heartbeat, one per interval after, and at once a change of
// address, each with the count left out; with All, every one.
func TestAuditSamplesHeartbeats(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		cfg  vhost.AuditConfig
		want []auditedBeat
	}{
		// Beats at 0,10,…,150s; the interval is 60s; at 100s the host
		// changes. Recorded: 0 (first), 60 (5 left out), 100 (changed, 3),
		// then 160 would be next: none.
		{"sampled", vhost.AuditConfig{Interval: time.Minute}, []auditedBeat{{"s1", 0}, {"s1", 5}, {"s1", 3}}},
		{"all", vhost.AuditConfig{All: true}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := vhosttest.Start(t, vhosttest.Options{Audit: tt.cfg})
			mustSend(t, h, insecure(alice, "beat.example"), alice)
			// Projected before the clock runs: the fake clock passes the
			// minute after which the handlers stop overlaying their own
			// creation on the projection in a few milliseconds.
			sync(t, h)
			for i := range 16 {
				host := "a.example"
				if i >= 10 {
					host = "b.example"
				}
				mustSend(t, h, heartbeat(alice, "beat.example", "s1", host), alice)
				h.Clock.Advance(10 * time.Second)
			}
			sync(t, h)
			got := auditedBeats(t, h)
			if tt.cfg.All {
				if len(got) != 16 {
					t.Fatalf("audited %d heartbeats, want all 16", len(got))
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("audited heartbeats %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("audited heartbeats %v, want %v", got, tt.want)
				}
			}
		})
	}
}
