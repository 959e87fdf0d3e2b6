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
		if !r.delay(ctx) {
			return nil
		}
	}
}

// delay waits out the batch delay, so that one transaction (one fsync)
// applies more events: projections trail the log by design, and every
// fsync saved here is one the event log's commits do not queue behind. It
// waits not at all while a caller is blocked in WaitFor, and stops as soon
// as one starts to. It returns false when ctx ends.
func (r *Runner) delay(ctx context.Context) bool {
	if r.batchDelay <= 0 {
		return true
	}
	// Drain a stale wake-up before reading the count: a waiter counts
	// itself and then signals, so one that arrives after the check below
	// still finds hurry empty and wakes the select.
	select {
	case <-r.hurry:
	default:
	}
	if r.waiting.Load() > 0 {
		return true
	}
	t := time.NewTimer(r.batchDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.hurry:
	case <-ctx.Done():
		return false
	}
	return true
}

// SetBatchDelay makes Run wait d after new events arrive before applying
// them, so that under load projections write fewer, larger transactions;
// a caller blocked in WaitFor ends the wait at once. Zero (the default)
// applies at once. Call it before Run.
func (r *Runner) SetBatchDelay(d time.Duration) { r.batchDelay = d }

// CatchUp applies every event the source holds now, then returns.
func (r *Runner) CatchUp(ctx context.Context) error {
	return r.catchUp(ctx, nil)
}

func (r *Runner) catchUp(ctx context.Context, progress func(done uint64)) error {
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	target := r.src.Last()
	for from := r.minPosition(); from < target; from = r.minPosition() {
		var batch []entry
		_, err := r.src.Read(ctx, from+1, batchSize, func(seq uint64, e event.Event) error {
			batch = append(batch, entry{seq, e})
			return nil
		})
		if err != nil {
			return fmt.Errorf("projections: read from %d: %w", from+1, err)
		}
		if len(batch) == 0 {
			return fmt.Errorf("projections: read from %d: no events, but the source's last is %d", from+1, target)
		}
		// Every projection gets the batch even if one fails, so one broken
		// read model does not stall the others.
		var errs []error
		for _, p := range r.ps {
			errs = append(errs, r.applyBatch(p, batch))
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if progress != nil {
			progress(r.minPosition())
		}
	}
	return nil
}

// applyBatch applies the events after the projection's stored position in
// one transaction that also moves the position. The position is read inside
// the transaction, so even a stale in-memory view cannot apply twice.
func (r *Runner) applyBatch(p Projection, batch []entry) error {
	name := []byte(p.Name())
	var last uint64
	var n int
	err := r.db.Update(func(tx *bbolt.Tx) error {
		pb := tx.Bucket([]byte(PositionsBucket))
		cur := decodeSeq(pb.Get(name))
		last, n = cur, 0
		for _, en := range batch {
			if en.seq <= cur {
				continue
			}
			if err := p.Apply(tx, en.seq, en.e); err != nil {
				return &ApplyError{Projection: p.Name(), Seq: en.seq, Type: en.e.Type(), Err: err}
			}
			last, n = en.seq, n+1
		}
		if n == 0 {
			return nil
		}
		return pb.Put(name, seqBytes(last))
	})
	if err != nil {
		err = fmt.Errorf("projections: %w", err)
	}
	r.record(p.Name(), last, n, err)
	return err
}
