package bolt_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

func TestCommitAndRead(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	ctx := t.Context()
	last, err := l.Commit(ctx, "cmd-1", testEvents(t, "a", 3), []byte(`{"ok":true}`))
	if err != nil || last != 3 {
		t.Fatalf("Commit = %d, %v; want 3, nil", last, err)
	}
	if last, err = l.Commit(ctx, "", testEvents(t, "b", 2), nil); err != nil || last != 5 {
		t.Fatalf("second Commit = %d, %v; want 5, nil", last, err)
	}
	if got := l.Last(); got != 5 {
		t.Fatalf("Last = %d, want 5", got)
	}
	tests := []struct {
		name     string
		from     uint64
		limit    int
		wantSeqs []uint64
		wantNext uint64
	}{
		{"all from zero", 0, 0, []uint64{1, 2, 3, 4, 5}, 6},
		{"all from one", 1, -1, []uint64{1, 2, 3, 4, 5}, 6},
		{"window", 2, 2, []uint64{2, 3}, 4},
		{"tail", 5, 10, []uint64{5}, 6},
		{"past the end", 6, 0, nil, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, next := readAll(t, l, tt.from, tt.limit)
			var seqs []uint64
			for _, s := range got {
				seqs = append(seqs, s.seq)
			}
			if !slices.Equal(seqs, tt.wantSeqs) || next != tt.wantNext {
				t.Errorf("Read = %v next %d, want %v next %d", seqs, next, tt.wantSeqs, tt.wantNext)
			}
		})
	}
}

func TestReadRoundTripsEvent(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	want := testEvent(t, "x")
	if _, err := l.Commit(t.Context(), "", []event.Event{want}, nil); err != nil {
		t.Fatal(err)
	}
	_, err := l.Read(t.Context(), 1, 1, func(_ uint64, got event.Event) error {
		if got.String() != want.String() {
			t.Errorf("read event differs:\n%s\nwant\n%s", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCommitInvalidEventWritesNothing(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	bad := event.New() // no id, source or type
	evs := append(testEvents(t, "ok", 2), bad)
	if _, err := l.Commit(t.Context(), "cmd-bad", evs, []byte("reply")); err == nil {
		t.Fatal("Commit accepted an invalid event")
	}
	if got := l.Last(); got != 0 {
		t.Errorf("Last = %d after a refused commit, want 0", got)
	}
	if got, _ := readAll(t, l, 1, 0); len(got) != 0 {
		t.Errorf("read %d events after a refused commit", len(got))
	}
	if _, found, err := l.Reply(t.Context(), "cmd-bad"); err != nil || found {
		t.Errorf("Reply after a refused commit: found=%v err=%v", found, err)
	}
}

func TestConcurrentCommits(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	const writers, perCommit = 50, 2
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			cmd := fmt.Sprintf("cmd-%d", w)
			if _, err := l.Commit(t.Context(), cmd, testEvents(t, cmd, perCommit), []byte(cmd)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Commit: %v", err)
	}
	got, next := readAll(t, l, 1, 0)
	if len(got) != writers*perCommit || next != uint64(writers*perCommit+1) {
		t.Fatalf("read %d events, next %d; want %d", len(got), next, writers*perCommit)
	}
	ids := map[string]bool{}
	for i, s := range got {
		if s.seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: sequences are not contiguous", i, s.seq)
		}
		ids[s.id] = true
	}
	if len(ids) != writers*perCommit {
		t.Errorf("%d distinct events, want %d", len(ids), writers*perCommit)
	}
}

func TestReopenKeepsSequences(t *testing.T) {
	t.Parallel()
	l, path := tempLog(t)
	if _, err := l.Commit(t.Context(), "", testEvents(t, "a", 3), nil); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	l2 := openLog(t, path, bolt.Options{})
	if got := l2.Last(); got != 3 {
		t.Fatalf("Last after reopen = %d, want 3", got)
	}
	last, err := l2.Commit(t.Context(), "", testEvents(t, "b", 1), nil)
	if err != nil || last != 4 {
		t.Fatalf("Commit after reopen = %d, %v; want 4", last, err)
	}
}

func TestCommitDuplicateCommand(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	if _, err := l.Commit(t.Context(), "cmd-1", testEvents(t, "a", 1), []byte("first")); err != nil {
		t.Fatal(err)
	}
	_, err := l.Commit(t.Context(), "cmd-1", testEvents(t, "b", 1), []byte("second"))
	if !errors.Is(err, bolt.ErrDuplicateCommand) {
		t.Fatalf("second Commit err = %v, want ErrDuplicateCommand", err)
	}
	if got := l.Last(); got != 1 {
		t.Errorf("Last = %d, want 1: the duplicate must write nothing", got)
	}
	reply, _, _ := l.Reply(t.Context(), "cmd-1")
	if string(reply) != "first" {
		t.Errorf("Reply = %q, want the first reply", reply)
	}
}

func TestStatsCountTheWritersWork(t *testing.T) {
	t.Parallel()
	l, _ := tempLog(t)
	ctx := t.Context()
	if s := l.Stats(); s != (bolt.Stats{}) {
		t.Fatalf("Stats of a new log = %+v, want zero", s)
	}
	if _, err := l.Commit(ctx, "cmd-1", testEvents(t, "a", 3), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Commit(ctx, "", testEvents(t, "b", 2), nil); err != nil {
		t.Fatal(err)
	}
	// A redelivery appends nothing, but its transaction is work done.
	if _, err := l.Commit(ctx, "cmd-1", testEvents(t, "a", 3), []byte(`{}`)); !errors.Is(err, bolt.ErrDuplicateCommand) {
		t.Fatalf("redelivered Commit: %v, want ErrDuplicateCommand", err)
	}
	s := l.Stats()
	// One at a time, so each commit had its transaction.
	if s.Batches != 3 || s.Requests != 3 || s.Events != 5 || s.Commit <= 0 {
		t.Fatalf("Stats = %+v, want 3 batches, 3 requests, 5 events and time spent", s)
	}
}
