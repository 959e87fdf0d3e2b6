package projections

import (
	"context"

	"go.etcd.io/bbolt"
)

// ReplayBatched exposes Replay with small transactions, so tests cover the
// read-ahead across many batches without a log of replayBatch events.
func ReplayBatched(ctx context.Context, src Source, dst *bbolt.DB, n int, ps ...Projection) (map[string]uint64, error) {
	return replay(ctx, src, dst, nil, n, ps...)
}
