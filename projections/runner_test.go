package projections_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

func TestRunnerExactlyOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 1000)
	path := filepath.Join(t.TempDir(), "projections.db")

	// First run: stopped by cancellation part-way through the log.
	db := openDB(t, path)
	ctx, cancel := context.WithCancel(t.Context())
	stopper := &counter{name: "count", cancelAt: 300, cancel: cancel}
	r, err := projections.NewRunner(db, l, projections.NewAudit(hasher(t)), stopper)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Run(ctx); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	mid, _ := r.Position("audit")
	if mid < 300 || mid >= 1000 {
		t.Fatalf("audit position after cancel = %d, want within [300, 1000)", mid)
	}
	db.Close()

	// Restart on the same file: positions continue where they stopped.
	db = openDB(t, path)
	r, err = projections.NewRunner(db, l, projections.NewAudit(hasher(t)), &counter{name: "count"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Position("audit"); got != mid {
		t.Fatalf("audit position after reopen = %d, want %d", got, mid)
	}
	if err := r.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"audit", "count"} {
		if got, _ := r.Position(name); got != 1000 {
			t.Errorf("position %s = %d, want 1000", name, got)
		}
	}
	if got := countKeys(t, db, "count"); got != 1000 {
		t.Errorf("count projection holds %d events, want 1000", got)
	}
	recs := records(t, db)
	if len(recs) != 1000 {
		t.Fatalf("%d audit records, want 1000", len(recs))
	}
	for i, rec := range recs {
		if rec.Index != uint64(i+1) || rec.EventSeq != uint64(i+1) {
			t.Fatalf("record %d has index %d, event %d", i, rec.Index, rec.EventSeq)
		}
	}
	if rep, err := projections.VerifyAudit(db); err != nil || len(rep.Problems) != 0 {
		t.Errorf("VerifyAudit = %+v, %v", rep.Problems, err)
	}
}

func TestRunFollowsLiveLog(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 5)
	r, err := projections.NewRunner(newDB(t), l, projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	fillLog(t, l, 6, 7)
	wctx, wcancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer wcancel()
	if err := r.WaitFor(wctx, 12); err != nil {
		t.Fatalf("WaitFor(12): %v", err)
	}
	if got, _ := r.Position("audit"); got != 12 {
		t.Errorf("position = %d, want 12", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v after cancel, want nil", err)
	}
}

// A caller blocked in WaitFor is answered without the batch delay: with an
// hour's delay, WaitFor returns only if the runner stops waiting it out.
func TestWaitForCutsBatchDelay(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 5)
	r, err := projections.NewRunner(newDB(t), l, projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatal(err)
	}
	r.SetBatchDelay(time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	// Several rounds: each finds Run in a different place (applying,
	// waiting for events, or in its delay).
	for round, n := range []int{2, 2, 3} {
		fillLog(t, l, 100*(round+1), n)
		last := l.Last()
		wctx, wcancel := context.WithTimeout(t.Context(), 30*time.Second)
		err := r.WaitFor(wctx, last)
		wcancel()
		if err != nil {
			t.Fatalf("WaitFor(%d) with an hour's batch delay: %v", last, err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v after cancel, want nil", err)
	}
}

func TestApplyFailureKeepsPosition(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 10)
	db := newDB(t)
	flaky := &counter{name: "flaky"}
	flaky.failAt.Store(5)
	r, err := projections.NewRunner(db, l, projections.NewAudit(hasher(t)), flaky)
	if err != nil {
		t.Fatal(err)
	}
	err = r.Run(t.Context())
	var ae *projections.ApplyError
	if !errors.As(err, &ae) || ae.Projection != "flaky" || ae.Seq != 5 {
		t.Fatalf("Run = %v, want an ApplyError for flaky at 5", err)
	}
	if got, _ := r.Position("flaky"); got != 0 {
		t.Errorf("flaky position = %d after a failed batch, want 0", got)
	}
	if got := countKeys(t, db, "flaky"); got != 0 {
		t.Errorf("flaky bucket holds %d keys after rollback, want 0", got)
	}
	if got, _ := r.Position("audit"); got != 10 {
		t.Errorf("audit position = %d, want 10: one failing projection must not stall others", got)
	}
	if err := r.WaitFor(t.Context(), 10); !errors.As(err, &ae) {
		t.Errorf("WaitFor past a failure = %v, want the ApplyError", err)
	}
	flaky.failAt.Store(0)
	if err := r.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.Position("flaky"); got != 10 || countKeys(t, db, "flaky") != 10 {
		t.Errorf("after the fix: flaky position %d, keys %d; want 10, 10", got, countKeys(t, db, "flaky"))
	}
}

func TestNewRunnerRefuses(t *testing.T) {
	t.Parallel()
	db, l := newDB(t), newLog(t)
	audit := projections.NewAudit(hasher(t))
	tests := []struct {
		name string
		db   *bbolt.DB
		src  projections.Source
		ps   []projections.Projection
	}{
		{"nil db", nil, l, []projections.Projection{audit}},
		{"nil source", db, nil, []projections.Projection{audit}},
		{"no projections", db, l, nil},
		{"nil projection", db, l, []projections.Projection{audit, nil}},
		{"duplicate name", db, l, []projections.Projection{audit, projections.NewAudit(hasher(t))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := projections.NewRunner(tt.db, tt.src, tt.ps...); err == nil {
				t.Error("NewRunner accepted it")
			}
		})
	}
}

func TestPositionUnknown(t *testing.T) {
	t.Parallel()
	r, err := projections.NewRunner(newDB(t), newLog(t), projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Position("nope"); !errors.Is(err, projections.ErrUnknownProjection) {
		t.Errorf("Position(nope) = %v, want ErrUnknownProjection", err)
	}
}
