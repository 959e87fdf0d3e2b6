package auditlog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

func TestExportEnforceVerify(t *testing.T) {
	t.Parallel()
	dir, out := t.TempDir(), t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 4096, MaxBytes: 1})
	appendN(t, l, 0, 100)

	// Nothing exported yet: Enforce removes nothing and says why.
	if n, err := l.Enforce(); n != 0 || !errors.Is(err, auditlog.ErrNotExported) {
		t.Fatalf("Enforce before export: %d, %v", n, err)
	}
	a1 := filepath.Join(out, "a1.tar.gz")
	s1, err := auditlog.Export(dir, a1)
	if err != nil || s1.Segments == 0 || s1.First != 1 {
		t.Fatalf("Export: %+v, %v", s1, err)
	}
	if again, err := auditlog.Export(dir, filepath.Join(out, "again.tar.gz")); err != nil || again.Segments != 0 {
		t.Fatalf("second Export: %+v, %v", again, err)
	}
	if _, err := os.Stat(filepath.Join(out, "again.tar.gz")); !os.IsNotExist(err) {
		t.Fatalf("an export with nothing new wrote a file: %v", err)
	}
	// Exported but not yet removed: archive and live overlap.
	if sum, err := auditlog.Verify(dir, []string{a1}); err != nil || sum.Records != 100 || sum.First != 1 {
		t.Fatalf("Verify with overlap: %+v, %v", sum, err)
	}
	n, err := l.Enforce()
	if err != nil || n != s1.Segments {
		t.Fatalf("Enforce: removed %d, %v; want %d", n, err, s1.Segments)
	}
	if _, segs, _ := l.Size(); segs != 1 {
		t.Fatalf("%d segments left, want the open one", segs)
	}
	appendN(t, l, 100, 100)
	a2 := filepath.Join(out, "a2.tar.gz")
	s2, err := auditlog.Export(dir, a2)
	if err != nil || s2.First != s1.Last+1 {
		t.Fatalf("Export 2: %+v, %v", s2, err)
	}
	if _, err := l.Enforce(); err != nil {
		t.Fatal(err)
	}
	head, hash := l.Head()
	sum, err := auditlog.Verify(dir, []string{a1, a2})
	if err != nil || sum.First != 1 || sum.Last != head || sum.Head != hash || sum.Records != 200 {
		t.Fatalf("Verify archives+live: %+v, %v; want 1..%d", sum, err, head)
	}
	// The live log alone starts where the archives end; without a2 the
	// records between a1 and the live log are missing.
	if _, err := auditlog.Verify(dir, []string{a1}); !errors.Is(err, auditlog.ErrCorrupt) {
		t.Fatalf("Verify with a gap: %v, want ErrCorrupt", err)
	}
	if _, err := auditlog.Verify("", []string{a2, a1}); !errors.Is(err, auditlog.ErrCorrupt) {
		t.Fatalf("Verify of archives out of order: %v, want ErrCorrupt", err)
	}
	// A damaged archive does not verify.
	b, _ := os.ReadFile(a2)
	bad := filepath.Join(out, "bad.tar.gz")
	os.WriteFile(bad, b[:len(b)/2], 0o600)
	if _, err := auditlog.Verify("", []string{a1, bad}); !errors.Is(err, auditlog.ErrCorrupt) {
		t.Fatalf("Verify of a truncated archive: %v, want ErrCorrupt", err)
	}
}

func TestRetentionByAgeOnlyRemovesExported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	clk := &clock{now: t0}
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 1 << 20, SegmentAge: time.Hour, Retention: 48 * time.Hour, Now: clk.Now})
	for day := range 5 { // one segment a day
		appendN(t, l, day*10, 10)
		clk.now = clk.now.Add(24 * time.Hour)
	}
	appendN(t, l, 50, 1)
	if _, segs, _ := l.Size(); segs != 6 {
		t.Fatalf("%d segments, want 6", segs)
	}
	// Export only the first two (as if the operator exported on day 2).
	if _, err := auditlog.Export(dir, filepath.Join(t.TempDir(), "a.tar.gz")); err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 51, 1)
	n, err := l.Enforce()
	// A segment is sealed when the next begins: the first two were sealed
	// 96 and 72 hours ago, the third exactly 48 hours ago (kept).
	if err != nil || n != 2 {
		t.Fatalf("Enforce: %d, %v; want 2", n, err)
	}
	_, segs, oldest := l.Size()
	if segs != 4 || !oldest.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("%d segments, oldest %v", segs, oldest)
	}
	if recs := scanAll(t, dir, 1); recs[0].Index != 21 || len(recs) != 32 {
		t.Fatalf("scan after retention starts at %d with %d records", recs[0].Index, len(recs))
	}
}

func TestRetentionBySizeHeldByUnexported(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 2048, MaxBytes: 6000})
	appendN(t, l, 0, 40)
	exp, err := auditlog.Export(dir, filepath.Join(t.TempDir(), "a.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, l, 40, 40) // new sealed segments, not exported
	before, segsBefore, _ := l.Size()
	n, err := l.Enforce()
	if n == 0 || !errors.Is(err, auditlog.ErrNotExported) {
		t.Fatalf("Enforce: %d, %v; want some removed and the rest held", n, err)
	}
	after, segs, _ := l.Size()
	if segs != segsBefore-n || after >= before || after <= 6000 {
		t.Fatalf("size %d -> %d, segments %d -> %d", before, after, segsBefore, segs)
	}
	if sum, err := auditlog.Verify(dir, nil); err != nil || sum.Last != 80 || sum.First != exp.Last+1 {
		t.Fatalf("Verify after size retention: %+v, %v (want %d..80: every exported segment removed, no other)", sum, err, exp.Last+1)
	}
}

func TestLastEventSeqSurvivesReopenAndRemoval(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := open(t, auditlog.Options{Dir: dir, SegmentBytes: 2048, MaxBytes: 1})
	for i := range 30 {
		if _, err := l.Append(context.Background(), commandEntry(i, uint64(1000+i))); err != nil {
			t.Fatal(err)
		}
	}
	appendN(t, l, 30, 40) // queries only since: the seq lives in headers
	if got := l.LastEventSeq(); got != 1029 {
		t.Fatalf("LastEventSeq %d", got)
	}
	if _, err := auditlog.Export(dir, filepath.Join(t.TempDir(), "a.tar.gz")); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Enforce(); err != nil || n == 0 {
		t.Fatalf("Enforce: %d, %v", n, err)
	}
	l.Close()
	for _, r := range scanAll(t, dir, 1) {
		if r.EventSeq != 0 {
			t.Fatalf("record %d with event seq %d left: the test proves nothing", r.Index, r.EventSeq)
		}
	}
	l = open(t, auditlog.Options{Dir: dir})
	if got := l.LastEventSeq(); got != 1029 {
		t.Fatalf("LastEventSeq after reopen and removal: %d, want 1029", got)
	}
}
