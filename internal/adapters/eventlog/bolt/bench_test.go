package bolt_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// BenchmarkCommitConcurrent commits one event per call from 32 goroutines,
// the shape of audited REST reads: bbolt's Batch groups them.
func BenchmarkCommitConcurrent(b *testing.B) {
	l, err := bolt.Open(filepath.Join(b.TempDir(), "events.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	evs := testEvents(b, "bench", 32)
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N/32 + 1
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				e := evs[g].Clone()
				e.SetID(fmt.Sprintf("%d-%d", g, i))
				if _, err := l.Commit(context.Background(), "", evs[g:g+1], nil); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
