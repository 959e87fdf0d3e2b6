package projections

import (
	"context"
	"fmt"

	"go.etcd.io/bbolt"
)

// replayBatch is how many events one replay transaction applies: nothing
// waits on a replay's write lock, so larger batches only save commits.
const replayBatch = 8192

// Replay rebuilds projections from the whole log into dst, which must be
// fresh (no positions), and returns how many events each projection applied.
// progress, if not nil, is called after every batch with the sequence all
// projections have reached and the log's last sequence at the start.
// Because records depend only on the events and the audit key, a replay with
// the live key gives the same buckets as the live database.
func Replay(ctx context.Context, src Source, dst *bbolt.DB, progress func(done, total uint64), ps ...Projection) (map[string]uint64, error) {
	if dst == nil || src == nil {
		return nil, fmt.Errorf("projections: replay: nil database or source")
	}
	fresh := true
	err := dst.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket([]byte(PositionsBucket)); b != nil {
			k, _ := b.Cursor().First()
			fresh = k == nil
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: replay: %w", err)
	}
	if !fresh {
		return nil, fmt.Errorf("projections: replay into %s: %w", dst.Path(), ErrNotFresh)
	}
	r, err := NewRunner(dst, src, ps...)
	if err != nil {
		return nil, fmt.Errorf("projections: replay: %w", err)
	}
	total := src.Last()
	var report func(uint64)
	if progress != nil {
		report = func(done uint64) { progress(done, total) }
		progress(0, total)
	}
	if err := r.catchUp(ctx, replayBatch, report); err != nil {
		return nil, fmt.Errorf("projections: replay: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	counts := make(map[string]uint64, len(r.applied))
	for name, n := range r.applied {
		counts[name] = n
	}
	return counts, nil
}
