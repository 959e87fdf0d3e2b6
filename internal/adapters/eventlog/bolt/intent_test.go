package bolt_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// An intent survives a restart of the log, and goes with the replies once
// past their retention.
func TestIntentIsDurableAndPrunedWithReplies(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "events.db")
	l, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, err := l.Intended(t.Context(), "cmd-1\x00write\x00hypo/p"); err != nil || found {
		t.Fatalf("intent before any: found %v, %v", found, err)
	}
	if err := l.Intend(t.Context(), "cmd-1\x00write\x00hypo/p", 7); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if l, err = bolt.Open(path, bolt.Options{}); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if v, found, err := l.Intended(t.Context(), "cmd-1\x00write\x00hypo/p"); err != nil || !found || v != 7 {
		t.Fatalf("intent after reopening: %d %v %v, want 7", v, found, err)
	}
	if n, err := l.PruneReplies(time.Now().Add(-time.Hour)); err != nil || n != 0 {
		t.Fatalf("pruning before the retention: %d %v", n, err)
	}
	if n, err := l.PruneReplies(time.Now().Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("pruning past the retention: %d %v, want 1", n, err)
	}
	if _, found, _ := l.Intended(t.Context(), "cmd-1\x00write\x00hypo/p"); found {
		t.Fatal("intent still there after pruning")
	}
}
