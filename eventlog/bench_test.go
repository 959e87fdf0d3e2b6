package eventlog_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/eventlog"
)

// BenchmarkCommitConcurrent commits one event per call from 32 goroutines,
// the shape of audited REST reads: bbolt's Batch groups them.
func BenchmarkCommitConcurrent(b *testing.B) {
	l, err := eventlog.Open(filepath.Join(b.TempDir(), "events.db"), eventlog.Options{})
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
