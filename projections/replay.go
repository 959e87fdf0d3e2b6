package projections

import (
	"context"
	"fmt"

	"github.com/cloudevents/sdk-go/v2/event"

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
	return replay(ctx, src, dst, progress, replayBatch, ps...)
}

// replay is Replay with n events per transaction.
func replay(ctx context.Context, src Source, dst *bbolt.DB, progress func(done, total uint64), n int, ps ...Projection) (map[string]uint64, error) {
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
	wb := startWriteback(dst)
	defer wb.close()
	r.applyMu.Lock()
	err = r.pipelined(ctx, n, report, wb.kick)
	r.applyMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("projections: replay: %w", err)
	}
	// Whatever the pipeline left (a projection that fell behind) is caught
	// up the ordinary way; after a complete pipeline this reads nothing.
	if err := r.catchUp(ctx, n, report); err != nil {
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

// pipelined is catchUp with the next batch read and decoded on another
// goroutine while the current one is applied, so replay uses both cores;
// applied is called after each batch's transaction.
// It reads ahead from the end of the batch it read last, which is where
// catchUp would read next as long as every projection applied the whole
// batch; when one did not (applyAll's fallback), it stops and leaves the
// rest to catchUp. The caller holds r.applyMu.
func (r *Runner) pipelined(ctx context.Context, n int, progress func(done uint64), applied func()) error {
	type read struct {
		from  uint64
		batch []entry
		err   error
	}
	target := r.src.Last()
	ctx, cancel := context.WithCancel(ctx)
	reads := make(chan read, 1)
	go func() {
		defer close(reads)
		for from := r.minPosition(); from < target; {
			batch := make([]entry, 0, n)
			_, err := r.src.Read(ctx, from+1, n, func(seq uint64, e event.Event) error {
				batch = append(batch, entry{seq, e})
				return nil
			})
			select {
			case reads <- read{from, batch, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(batch) == 0 {
				return
			}
			from = batch[len(batch)-1].seq
		}
	}()
	defer func() {
		cancel()
		for range reads { // wait for the reader to end
		}
	}()
	for rd := range reads {
		if rd.err != nil {
			return fmt.Errorf("projections: read from %d: %w", rd.from+1, rd.err)
		}
		if len(rd.batch) == 0 {
			return fmt.Errorf("projections: read from %d: no events, but the source's last is %d", rd.from+1, target)
		}
		if err := r.applyAll(rd.batch); err != nil {
			return err
		}
		applied()
		if progress != nil {
			progress(r.minPosition())
		}
		if r.minPosition() != rd.batch[len(rd.batch)-1].seq {
			return nil // a projection fell behind: catchUp rereads for it
		}
	}
	return nil
}
