package bolt_test

import (
	"context"
	"slices"
	"testing"
)

func TestTrimThroughKeepsLaterEventsAndSequences(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	ctx := context.Background()
	if _, err := l.Commit(ctx, "", testEvents(t, "a", 10), nil); err != nil {
		t.Fatal(err)
	}
	n, err := l.TrimThrough(6)
	if err != nil || n != 6 {
		t.Fatalf("TrimThrough(6) = %d, %v; want 6", n, err)
	}
	got, _ := readAll(t, l, 1, 0)
	if len(got) != 4 || got[0].seq != 7 || got[3].seq != 10 {
		t.Fatalf("after trim: %+v, want sequences 7..10", got)
	}
	last, err := l.Commit(ctx, "", testEvents(t, "b", 1), nil)
	if err != nil || last != 11 || l.Last() != 11 {
		t.Fatalf("commit after trim: seq %d (Last %d), %v; want 11", last, l.Last(), err)
	}
	if n, err := l.TrimThrough(6); err != nil || n != 0 {
		t.Errorf("second trim: %d, %v; want nothing to delete", n, err)
	}
}

func TestDeleteEventsLeavesHolesReadPassesOver(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	ctx := context.Background()
	if _, err := l.Commit(ctx, "", testEvents(t, "a", 10), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := readAll(t, l, 1, 0); len(got) != 10 { // held in memory now
		t.Fatalf("before: %d events, want 10", len(got))
	}
	n, err := l.DeleteEvents([]uint64{9, 2, 5, 42})
	if err != nil || n != 3 {
		t.Fatalf("DeleteEvents = %d, %v; want 3 (42 does not exist)", n, err)
	}
	var seqs []uint64
	got, _ := readAll(t, l, 1, 0)
	for _, r := range got {
		seqs = append(seqs, r.seq)
	}
	if want := []uint64{1, 3, 4, 6, 7, 8, 10}; !slices.Equal(seqs, want) {
		t.Fatalf("after delete: sequences %v, want %v", seqs, want)
	}
	if got, _ := readAll(t, l, 5, 1); len(got) != 1 || got[0].seq != 6 {
		t.Fatalf("read from a deleted sequence: %+v, want the next event, 6", got)
	}
	last, err := l.Commit(ctx, "", testEvents(t, "b", 1), nil)
	if err != nil || last != 11 || l.Last() != 11 {
		t.Fatalf("commit after delete: seq %d (Last %d), %v; want 11", last, l.Last(), err)
	}
	if n, err := l.DeleteEvents([]uint64{2, 5}); err != nil || n != 0 {
		t.Errorf("deleting again: %d, %v; want nothing to delete", n, err)
	}
}
