package projections_test

import (
	"errors"
	"maps"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/projections"
)

func TestReplayEqualsLive(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 600) // more than one runner batch
	live := project(t, l)
	dst := newDB(t)
	var lastDone, lastTotal uint64
	counts, err := projections.Replay(t.Context(), l, dst, func(done, total uint64) {
		lastDone, lastTotal = done, total
	}, projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if want := map[string]uint64{"audit": 600}; !maps.Equal(counts, want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	if lastDone != 600 || lastTotal != 600 {
		t.Errorf("last progress = %d/%d, want 600/600", lastDone, lastTotal)
	}
	want, err := projections.DumpBuckets(live)
	if err != nil {
		t.Fatal(err)
	}
	got, err := projections.DumpBuckets(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[projections.AuditBucket]) != 600 {
		t.Fatalf("replayed %d audit records, want 600", len(got[projections.AuditBucket]))
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("replayed buckets (positions included) differ from the live ones")
	}
}

func TestReplayRefusesUsedDestination(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 3)
	used := project(t, l)
	_, err := projections.Replay(t.Context(), l, used, nil, projections.NewAudit(hasher(t)))
	if !errors.Is(err, projections.ErrNotFresh) {
		t.Errorf("Replay into a used db = %v, want ErrNotFresh", err)
	}
}

// TestReplayReadAheadEqualsLive replays in batches much smaller than the
// log, so the next batch is read while the current one is applied many
// times over, and still gives the live buckets.
func TestReplayReadAheadEqualsLive(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 600)
	live := project(t, l)
	dst := newDB(t)
	counts, err := projections.ReplayBatched(t.Context(), l, dst, 7, projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatalf("Replay: %v", err)
	}
	if want := map[string]uint64{"audit": 600}; !maps.Equal(counts, want) {
		t.Errorf("counts = %v, want %v", counts, want)
	}
	want, err := projections.DumpBuckets(live)
	if err != nil {
		t.Fatal(err)
	}
	got, err := projections.DumpBuckets(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[projections.AuditBucket]) != 600 || !reflect.DeepEqual(got, want) {
		t.Errorf("replayed %d audit records; buckets equal to the live ones: %v", len(got[projections.AuditBucket]), reflect.DeepEqual(got, want))
	}
}
