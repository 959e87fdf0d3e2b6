package bolt_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// A cursor set while commits run joins their group commits: every cursor
// and every commit is durable once its call returns, and the log reopens
// with the last position of each cursor.
func TestCursorsJoinGroupCommitsAndSurviveReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	l, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if pos, err := l.Cursor("relay"); err != nil || pos != 0 {
		t.Fatalf("cursor before any: %d %v", pos, err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if _, err := l.Commit(t.Context(), "", testEvents(t, fmt.Sprintf("g%d-%d-", g, i), 1), nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := 1; i <= 25; i++ {
				if err := l.SetCursor(fmt.Sprintf("reader-%d", g), uint64(i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.SetCursor("relay", 1); !errors.Is(err, bolt.ErrClosed) {
		t.Fatalf("SetCursor after Close: %v, want ErrClosed", err)
	}
	l = openLog(t, path, bolt.Options{})
	for g := range 4 {
		if pos, err := l.Cursor(fmt.Sprintf("reader-%d", g)); err != nil || pos != 25 {
			t.Fatalf("reader-%d after reopening: %d %v, want 25", g, pos, err)
		}
	}
	if last := l.Last(); last != 100 {
		t.Fatalf("last %d after reopening, want the 100 events committed", last)
	}
}
