package projections

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

type entry struct {
	seq uint64
	e   event.Event
}

// Run applies events as they arrive until ctx is cancelled (then it returns
// nil) or a projection fails (then it returns an *ApplyError naming the
// projection and the event; the projection's position is unchanged).
func (r *Runner) Run(ctx context.Context) error {
	for {
		if err := r.CatchUp(ctx); err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return nil
			}
			return err
		}
		if err := r.src.Wait(ctx, r.minPosition()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("projections: run: %w", err)
		}
		// One transaction (one fsync) then applies more events:
		// projections trail the log by design, and every fsync saved here
		// is one the event log's commits do not queue behind.
		if !r.delay.Pause(ctx) {
			return nil
		}
	}
}

// SetBatchDelay makes Run wait d after new events arrive before applying
// them, so that under load projections write fewer, larger transactions;
// a caller blocked in WaitFor ends the wait at once. Zero (the default)
// applies at once. Call it before Run.
func (r *Runner) SetBatchDelay(d time.Duration) { r.delay.Set(d) }

// CatchUp applies every event the source holds now, then returns.
func (r *Runner) CatchUp(ctx context.Context) error {
	return r.catchUp(ctx, batchSize, nil)
}

// catchUp applies events n at a time until the source's last at the start.
func (r *Runner) catchUp(ctx context.Context, n int, progress func(done uint64)) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	target := r.src.Last()
	for from := r.minPosition(); from < target; from = r.minPosition() {
		batch := make([]entry, 0, n)
		_, err := r.src.Read(ctx, from+1, n, func(seq uint64, e event.Event) error {
			batch = append(batch, entry{seq, e})
			return nil
		})
		if err != nil {
			return fmt.Errorf("projections: read from %d: %w", from+1, err)
		}
		if len(batch) == 0 {
			return fmt.Errorf("projections: read from %d: no events, but the source's last is %d", from+1, target)
		}
		if err := r.applyAll(batch); err != nil {
			return err
		}
		if progress != nil {
			progress(r.minPosition())
		}
	}
	return nil
}

// applyAll applies the batch to every projection in one transaction, so a
// batch costs one fsync however many read models there are (a caller
// waiting in WaitFor waits for it). When a projection fails, the
// transaction rolls back and each projection gets the batch in a
// transaction of its own: one broken read model does not stall the others.
func (r *Runner) applyAll(batch []entry) error {
	type moved struct {
		last uint64
		n    int
	}
	out := make([]moved, len(r.ps))
	err := r.db.Update(func(tx *bbolt.Tx) error {
		for i, p := range r.ps {
			last, n, err := applyIn(tx, p, batch)
			if err != nil {
				return err
			}
			out[i] = moved{last, n}
		}
		return nil
	})
	if err == nil {
		for i, p := range r.ps {
			r.record(p.Name(), out[i].last, out[i].n, nil)
		}
		return nil
	}
	var errs []error
	for _, p := range r.ps {
		errs = append(errs, r.applyBatch(p, batch))
	}
	return errors.Join(errs...)
}

// applyBatch applies the batch to p alone, in a transaction of its own.
func (r *Runner) applyBatch(p Projection, batch []entry) error {
	var last uint64
	var n int
	err := r.db.Update(func(tx *bbolt.Tx) error {
		var err error
		last, n, err = applyIn(tx, p, batch)
		return err
	})
	if err != nil {
		err = fmt.Errorf("projections: %w", err)
	}
	r.record(p.Name(), last, n, err)
	return err
}

// applyIn applies the events of batch after p's stored position inside tx
// and moves the position; it returns the position and how many it applied.
// The position is read inside tx, so even a stale in-memory view cannot
// apply twice.
func applyIn(tx *bbolt.Tx, p Projection, batch []entry) (uint64, int, error) {
	name := []byte(p.Name())
	pb := tx.Bucket([]byte(PositionsBucket))
	cur := decodeSeq(pb.Get(name))
	last, n := cur, 0
	for _, en := range batch {
		if en.seq <= cur {
			continue
		}
		if err := p.Apply(tx, en.seq, en.e); err != nil {
			return cur, 0, &ApplyError{Projection: p.Name(), Seq: en.seq, Type: en.e.Type(), Err: err}
		}
		last, n = en.seq, n+1
	}
	if n == 0 {
		return last, 0, nil
	}
	return last, n, pb.Put(name, seqBytes(last))
}
