package projections_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

const src0, src1 = "kafka:registry.events:0", "kafka:registry.events:1"

const (
	applied     = projections.ExternalApplied
	redelivered = projections.ExternalRedelivered
	duplicate   = projections.ExternalDuplicate
	consumed    = projections.ExternalConsumed
)

func rec(source string, pos uint64, e *event.Event) projections.ExternalEvent {
	return projections.ExternalEvent{Source: source, Position: pos, Event: e}
}

func evp(t testing.TB, i int) *event.Event {
	e := ev(t, i, "acme", typeCreated, nil)
	return &e
}

func newExternal(t testing.TB, db *bbolt.DB, ps ...projections.Projection) *projections.External {
	t.Helper()
	x, err := projections.NewExternal(db, ps...)
	if err != nil {
		t.Fatalf("NewExternal: %v", err)
	}
	return x
}

func mustApply(t testing.TB, x *projections.External, want []projections.ExternalOutcome, evs ...projections.ExternalEvent) {
	t.Helper()
	got, err := x.Apply(evs...)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Apply outcomes = %v, want %v", got, want)
	}
}

// assertAudit checks the audit log verifies clean and holds these EventSeqs
// in index order.
func assertAudit(t *testing.T, db *bbolt.DB, want ...uint64) {
	t.Helper()
	rep, err := projections.VerifyAudit(db)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("VerifyAudit = %+v, %v", rep.Problems, err)
	}
	var got []uint64
	for _, r := range records(t, db) {
		got = append(got, r.EventSeq)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("audit EventSeqs = %v, want %v", got, want)
	}
}

func TestExternalAppliesEachRecordOnce(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	x := newExternal(t, db, projections.NewAudit(hasher(t)), &counter{name: "count"})

	mustApply(t, x, []projections.ExternalOutcome{applied, applied, applied},
		rec(src0, 1, evp(t, 1)), rec(src1, 1, evp(t, 2)), rec(src0, 2, evp(t, 3)))
	mustApply(t, x, []projections.ExternalOutcome{redelivered, redelivered, applied},
		rec(src0, 2, evp(t, 3)), rec(src1, 1, evp(t, 2)), rec(src1, 2, evp(t, 4)))
	// The same id at a new position is a republished event; a record
	// without an event (poison) only moves its source's position.
	mustApply(t, x, []projections.ExternalOutcome{duplicate, consumed, applied},
		rec(src0, 5, evp(t, 1)), rec(src1, 3, nil), rec(src1, 4, evp(t, 5)))

	pos, err := x.Positions("kafka:registry.events:")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]uint64{src0: 5, src1: 4}; !maps.Equal(pos, want) {
		t.Fatalf("Positions = %v, want %v", pos, want)
	}
	if seq, err := x.Seq(); err != nil || seq != 5 {
		t.Fatalf("Seq = %d, %v, want 5", seq, err)
	}
	if seq, ok, err := x.Seen("/registry/test", "ev-4"); err != nil || !ok || seq != 4 {
		t.Fatalf("Seen(ev-4) = %d, %v, %v, want 4, true", seq, ok, err)
	}
	if _, ok, _ := x.Seen("/elsewhere", "ev-4"); ok {
		t.Fatal("Seen matched an id from another source")
	}
	if n := countKeys(t, db, "count"); n != 5 {
		t.Fatalf("counter holds %d events, want 5", n)
	}
	assertAudit(t, db, 1, 2, 3, 4, 5)
}

func TestExternalResumesAfterReopen(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/projections.db"
	db := openDB(t, path)
	x := newExternal(t, db, projections.NewAudit(hasher(t)))
	mustApply(t, x, []projections.ExternalOutcome{applied, applied}, rec(src0, 1, evp(t, 1)), rec(src0, 2, evp(t, 2)))
	db.Close()

	db = openDB(t, path)
	x = newExternal(t, db, projections.NewAudit(hasher(t)))
	mustApply(t, x, []projections.ExternalOutcome{redelivered, applied}, rec(src0, 2, evp(t, 2)), rec(src0, 3, evp(t, 3)))
	assertAudit(t, db, 1, 2, 3)
}

func TestExternalFailureRollsBackTheCall(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	bad := &counter{name: "count"}
	bad.failAt.Store(2)
	x := newExternal(t, db, projections.NewAudit(hasher(t)), bad)

	_, err := x.Apply(rec(src0, 1, evp(t, 1)), rec(src0, 2, evp(t, 2)))
	var ae *projections.ApplyError
	if !errors.As(err, &ae) || ae.Projection != "count" || ae.Seq != 2 {
		t.Fatalf("Apply = %v, want an ApplyError from count at 2", err)
	}
	if pos, _ := x.Positions(""); pos[src0] != 0 {
		t.Fatalf("position after failure = %d, want 0", pos[src0])
	}
	bad.failAt.Store(0)
	mustApply(t, x, []projections.ExternalOutcome{applied, applied}, rec(src0, 1, evp(t, 1)), rec(src0, 2, evp(t, 2)))
	assertAudit(t, db, 1, 2)
}

func TestExternalRefusesARecordWithoutAValidPosition(t *testing.T) {
	t.Parallel()
	x := newExternal(t, newDB(t), &counter{name: "count"})
	bad := []projections.ExternalEvent{
		rec("", 1, evp(t, 1)), rec(src0, 0, evp(t, 1)),
		rec(projections.ExternalSeqKey, 1, evp(t, 1)), rec("count", 1, evp(t, 1)),
	}
	for _, r := range bad {
		if _, err := x.Apply(r); err == nil {
			t.Fatalf("Apply(%q, %d) succeeded", r.Source, r.Position)
		}
	}
}

func TestExternalDedupWindowIsBounded(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	x := newExternal(t, db, &counter{name: "count"})
	x.SetDedupWindow(3)
	for i := 1; i <= 5; i++ {
		mustApply(t, x, []projections.ExternalOutcome{applied}, rec(src0, uint64(i), evp(t, i)))
	}
	if n := countKeys(t, db, projections.ExternalIDsBucket); n != 3 {
		t.Fatalf("ids bucket holds %d ids, want the window of 3", n)
	}
	mustApply(t, x, []projections.ExternalOutcome{duplicate, applied},
		rec(src0, 6, evp(t, 3)), // still in the window
		rec(src0, 7, evp(t, 1))) // forgotten: applied again
}
