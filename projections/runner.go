package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/batchdelay"
)

// batchSize is how many events one projection transaction applies at most:
// large enough to amortise the fsync, small enough to keep write locks short.
const batchSize = 256

// Runner feeds projections from a Source into one bbolt database.
type Runner struct {
	db  *bbolt.DB
	src Source
	ps  []Projection

	applyMu sync.Mutex        // one applier at a time: Run and CatchUp never overlap
	delay   *batchdelay.Delay // Run's, after new events; WaitFor cuts it short

	mu      sync.Mutex
	pos     map[string]uint64
	failed  map[string]error
	applied map[string]uint64 // events applied since NewRunner, for Replay
	changed chan struct{}     // closed and replaced when pos or failed change
}

// NewRunner checks the projections, creates their buckets and loads their
// positions. It refuses nil arguments and duplicate names.
func NewRunner(db *bbolt.DB, src Source, ps ...Projection) (*Runner, error) {
	if db == nil || src == nil {
		return nil, errors.New("projections: new runner: nil database or source")
	}
	if len(ps) == 0 {
		return nil, errors.New("projections: new runner: no projections")
	}
	r := &Runner{db: db, src: src, ps: ps, pos: map[string]uint64{}, failed: map[string]error{},
		applied: map[string]uint64{}, changed: make(chan struct{}), delay: batchdelay.New(0)}
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("projections: new runner: projection %d is nil", i)
		}
		if _, dup := r.pos[p.Name()]; dup || p.Name() == "" {
			return nil, fmt.Errorf("projections: new runner: projection name %q is empty or used twice", p.Name())
		}
		r.pos[p.Name()] = 0
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		pb, err := tx.CreateBucketIfNotExists([]byte(PositionsBucket))
		if err != nil {
			return err
		}
		for _, p := range ps {
			for _, b := range p.Buckets() {
				if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
					return fmt.Errorf("projection %s: bucket %q: %w", p.Name(), b, err)
				}
			}
			r.pos[p.Name()] = decodeSeq(pb.Get([]byte(p.Name())))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: new runner: %w", err)
	}
	return r, nil
}

// Position returns the sequence of the last event the projection applied.
func (r *Runner) Position(name string) (uint64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, ok := r.pos[name]
	if !ok {
		return 0, fmt.Errorf("projections: position %q: %w", name, ErrUnknownProjection)
	}
	return p, nil
}

// Positions returns every projection's position, by name.
func (r *Runner) Positions() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]uint64, len(r.pos))
	for name, p := range r.pos {
		out[name] = p
	}
	return out
}

// WaitFor returns once every projection has applied seq, so a caller that
// just committed an event can read its own write. It returns early with the
// error of a projection that failed before reaching seq. While it waits,
// Run applies without its batch delay: the delay saves fsyncs when nobody
// is waiting, never time a caller waits for.
func (r *Runner) WaitFor(ctx context.Context, seq uint64) error {
	var waited func()
	defer func() {
		if waited != nil {
			waited()
		}
	}()
	for {
		r.mu.Lock()
		var behind bool
		var failure error
		for name, p := range r.pos {
			if p < seq {
				behind = true
				failure = errors.Join(failure, r.failed[name])
			}
		}
		changed := r.changed
		r.mu.Unlock()
		switch {
		case !behind:
			return nil
		case failure != nil:
			return fmt.Errorf("projections: wait for %d: %w", seq, failure)
		}
		if waited == nil {
			waited = r.delay.Wait()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("projections: wait for %d: %w", seq, ctx.Err())
		}
	}
}

func (r *Runner) minPosition() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := true
	var m uint64
	for _, p := range r.pos {
		if first || p < m {
			m, first = p, false
		}
	}
	return m
}

// record notes the outcome of one projection transaction and wakes waiters.
func (r *Runner) record(name string, pos uint64, n int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed[name] = err
	} else {
		delete(r.failed, name)
		r.pos[name] = pos
		r.applied[name] += uint64(n)
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

func seqBytes(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

func decodeSeq(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
