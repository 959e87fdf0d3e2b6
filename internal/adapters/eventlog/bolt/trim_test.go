package bolt_test

import (
	"context"
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
