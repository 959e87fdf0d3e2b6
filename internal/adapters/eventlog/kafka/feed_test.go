package kafka_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/testkit"
)

var tenants = []string{"acme", "globex", "initech", ""}

// assertAppliedOnce checks the audit log verifies and holds each of sent
// exactly once, with contiguous indices and local sequences, and each
// tenant's events in commit order.
func assertAppliedOnce(t *testing.T, db *bbolt.DB, sent []cloudevents.Event) {
	t.Helper()
	recs := auditRecords(t, db)
	if len(recs) != len(sent) {
		t.Fatalf("audit holds %d records, %d events were sent", len(recs), len(sent))
	}
	seen := map[string]bool{}
	byTenant := map[string][]string{}
	for i, r := range recs {
		if r.Index != uint64(i+1) || r.EventSeq != uint64(i+1) {
			t.Fatalf("record %d has index %d and event seq %d", i+1, r.Index, r.EventSeq)
		}
		if seen[r.ID] {
			t.Fatalf("event %s applied twice", r.ID)
		}
		seen[r.ID] = true
		byTenant[r.Tenant] = append(byTenant[r.Tenant], r.ID)
	}
	want := map[string][]string{}
	for _, e := range sent {
		if !seen[e.ID()] {
			t.Fatalf("event %s never applied", e.ID())
		}
		tenant, _ := e.Extensions()[events.ExtTenant].(string)
		want[tenant] = append(want[tenant], e.ID())
	}
	for tenant, ids := range want {
		if !slices.Equal(byTenant[tenant], ids) {
			t.Fatalf("tenant %q applied in order %v, committed %v", tenant, byTenant[tenant], ids)
		}
	}
}

func TestFeedAppliesCommittedEventsToAudit(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	db := newDB(t)
	f := startFeed(t, db, cfg)

	sent := commitEach(t, l, 0, 100, tenants...)
	waitAll(t, f, sent)
	assertAppliedOnce(t, db, sent)
	if s := f.Stats(); s.Applied != 100 || s.Redelivered+s.Duplicates+s.Poisoned != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestFeedRestartMidStreamAppliesEachEventOnce(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	db := newDB(t)
	sent := commitEach(t, l, 0, 150, tenants...)

	// The first Feed stops part-way: its projection cancels it at 40.
	ctx, cancel := context.WithCancel(t.Context())
	stopper := &stopAt{at: 40, cancel: cancel}
	f1 := startFeed(t, db, cfg, stopper)
	<-ctx.Done()
	if err := f1.stop(t); err != nil {
		t.Fatalf("first Run: %v", err)
	}
	first := f1.Applied()
	if first < 40 || first >= 150 {
		t.Fatalf("first Feed applied %d, want within [40, 150)", first)
	}

	// More events while no Feed runs, more while the second one runs.
	sent = append(sent, commitEach(t, l, 150, 50, tenants...)...)
	f2 := startFeed(t, db, cfg, &stopAt{})
	sent = append(sent, commitEach(t, l, 200, 50, tenants...)...)
	waitAll(t, f2, sent)
	assertAppliedOnce(t, db, sent)
	if got := first + f2.Applied(); got != 250 {
		t.Fatalf("the Feeds applied %d + %d events, want 250 in all", first, f2.Applied())
	}
}

func TestFeedRebuildsADeletedDatabaseFromTheLog(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	sent := commitEach(t, l, 0, 60, tenants...)
	f1 := startFeed(t, newDB(t), cfg)
	waitAll(t, f1, sent)
	if err := f1.stop(t); err != nil {
		t.Fatal(err)
	}

	// Same group, new database: the group's offsets say "done", the
	// database says "nothing applied"; the database wins.
	db := newDB(t)
	f2 := startFeed(t, db, cfg)
	waitAll(t, f2, sent)
	assertAppliedOnce(t, db, sent)
}

func TestFeedAppliesARepublishedEventOnce(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	db := newDB(t)
	f := startFeed(t, db, cfg)

	e := event(t, 1, "acme")
	for range 2 {
		if _, err := l.Commit(t.Context(), "", []cloudevents.Event{e}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Same tenant, same partition: once the marker is in, so is the copy.
	marker := commitEach(t, l, 2, 1, "acme")
	waitAll(t, f, marker)
	assertAppliedOnce(t, db, append([]cloudevents.Event{e}, marker...))
	if s := f.Stats(); s.Applied != 2 || s.Duplicates != 1 {
		t.Fatalf("stats = %+v, want 2 applied and 1 duplicate", s)
	}
}

func TestTwoGroupsEachApplyEveryEvent(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	cfgA, cfgB := cfg, cfg
	cfgA.ConsumerGroup, cfgB.ConsumerGroup = "instance-a", "instance-b"
	dbA, dbB := newDB(t), newDB(t)
	fA, fB := startFeed(t, dbA, cfgA), startFeed(t, dbB, cfgB)

	sent := commitEach(t, l, 0, 80, tenants...)
	waitAll(t, fA, sent)
	waitAll(t, fB, sent)
	assertAppliedOnce(t, dbA, sent)
	assertAppliedOnce(t, dbB, sent)
}

func TestFeedStopsOnAFailingProjectionAndSkipsNothing(t *testing.T) {
	t.Parallel()
	k := testkit.StartKafka(t)
	cfg := config(t, k)
	l := openLog(t, cfg)
	db := newDB(t)
	sent := commitEach(t, l, 0, 30, "acme")

	f1 := startFeed(t, db, cfg, &failAt{at: 10, broken: true})
	var ae *projections.ApplyError
	if err := f1.WaitFor(t.Context(), sent[len(sent)-1]); !errors.As(err, &ae) || ae.Projection != "fail-at" {
		t.Fatalf("WaitFor past the failure = %v, want the projection's ApplyError", err)
	}
	if err := f1.stop(t); !errors.As(err, &ae) {
		t.Fatalf("Run = %v, want the projection's ApplyError", err)
	}
	if got := len(auditRecords(t, db)); got != 9 {
		t.Fatalf("audit holds %d records after failing on the 10th, want 9", got)
	}

	f2 := startFeed(t, db, cfg, &failAt{at: 10})
	waitAll(t, f2, sent)
	assertAppliedOnce(t, db, sent)
}
