package projections

import (
	"errors"
	"fmt"
	"slices"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

// Keys and buckets of an External feed. The sequence key lives in
// PositionsBucket next to the per-source positions; its leading underscore
// keeps it apart from projection names.
const (
	// ExternalSeqKey holds the local sequence of the last event applied
	// from external sources: what Apply got as seq.
	ExternalSeqKey = "_external_seq"
	// ExternalIDsBucket maps source + "\x00" + id of recently applied events
	// to their local sequence, to drop republished duplicates.
	ExternalIDsBucket = "_external_ids"
	// ExternalSeqsBucket maps local sequence to the key above, oldest first,
	// so the window is pruned without a scan.
	ExternalSeqsBucket = "_external_seqs"
	// DefaultExternalDedupWindow is how many event ids are remembered.
	DefaultExternalDedupWindow = 1 << 16
)

// ExternalEvent is one record read from an external log such as a Kafka
// partition.
type ExternalEvent struct {
	// Source names the log and partition, e.g. "kafka:registry.events:3";
	// it keys the stored position in PositionsBucket.
	Source string
	// Position is the record's 1-based position in Source (a Kafka offset
	// plus one, which is also the offset Kafka would commit after it). It
	// grows within a source; a record at or below the stored position was
	// applied before and is skipped.
	Position uint64
	// Event is nil for a record that carries no event (one sent to the
	// poison topic): only the position moves.
	Event *event.Event
}

// ExternalOutcome says what Apply did with one ExternalEvent.
type ExternalOutcome int

const (
	ExternalApplied     ExternalOutcome = iota + 1 // applied under a new local sequence
	ExternalRedelivered                            // at or below the source's position: seen before
	ExternalDuplicate                              // new position, but an event id applied recently
	ExternalConsumed                               // no event: only the position moved
)

// External applies events from external logs (the Kafka topic) to
// projections. Each Apply is one bbolt transaction holding the projections'
// writes, every source's new position, a local sequence and the ids of the
// events applied, so a record redelivered after a crash or a rebalance, or
// republished under the same id, is applied exactly once.
type External struct {
	db     *bbolt.DB
	ps     []Projection
	window uint64
}

// NewExternal checks the projections, creates their buckets and refuses a
// database whose projections are not all at the same local sequence (one
// added later, or a database fed by the embedded log): such a projection
// missed events, and the fix is to rebuild the database from the log.
func NewExternal(db *bbolt.DB, ps ...Projection) (*External, error) {
	if db == nil || len(ps) == 0 {
		return nil, errors.New("projections: new external: nil database or no projections")
	}
	seen := map[string]bool{}
	for i, p := range ps {
		if p == nil {
			return nil, fmt.Errorf("projections: new external: projection %d is nil", i)
		}
		if n := p.Name(); n == "" || n == ExternalSeqKey || seen[n] {
			return nil, fmt.Errorf("projections: new external: projection name %q is empty, reserved or used twice", n)
		}
		seen[p.Name()] = true
	}
	err := db.Update(func(tx *bbolt.Tx) error {
		for _, name := range []string{PositionsBucket, ExternalIDsBucket, ExternalSeqsBucket} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		pb := tx.Bucket([]byte(PositionsBucket))
		seq := decodeSeq(pb.Get([]byte(ExternalSeqKey)))
		for _, p := range ps {
			for _, b := range p.Buckets() {
				if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
					return fmt.Errorf("projection %s: bucket %q: %w", p.Name(), b, err)
				}
			}
			if pos := decodeSeq(pb.Get([]byte(p.Name()))); pos != seq {
				return fmt.Errorf("projection %s is at %d, the external feed at %d: it missed events; rebuild this database from the log", p.Name(), pos, seq)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: new external: %w", err)
	}
	return &External{db: db, ps: ps, window: DefaultExternalDedupWindow}, nil
}

// Apply applies evs, in order, in one transaction and says what it did with
// each. An error (a projection failing, an invalid record) rolls back the
// whole call: no event is skipped, no position moves.
func (x *External) Apply(evs ...ExternalEvent) ([]ExternalOutcome, error) {
	out := make([]ExternalOutcome, len(evs))
	err := x.db.Update(func(tx *bbolt.Tx) error {
		pb := tx.Bucket([]byte(PositionsBucket))
		start := decodeSeq(pb.Get([]byte(ExternalSeqKey)))
		seq := start
		for i, r := range evs {
			o, err := x.applyOne(tx, r, &seq)
			if err != nil {
				return err
			}
			out[i] = o
		}
		if seq == start {
			return nil
		}
		if err := x.prune(tx, seq); err != nil {
			return err
		}
		for _, key := range append([]string{ExternalSeqKey}, x.names()...) {
			if err := pb.Put([]byte(key), seqBytes(seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("projections: apply external: %w", err)
	}
	return out, nil
}

func (x *External) applyOne(tx *bbolt.Tx, r ExternalEvent, seq *uint64) (ExternalOutcome, error) {
	if r.Source == "" || r.Position == 0 {
		return 0, fmt.Errorf("record has source %q and position %d: both are required", r.Source, r.Position)
	}
	if r.Source == ExternalSeqKey || slices.Contains(x.names(), r.Source) {
		return 0, fmt.Errorf("record source %q is a reserved position key", r.Source)
	}
	pb := tx.Bucket([]byte(PositionsBucket))
	if r.Position <= decodeSeq(pb.Get([]byte(r.Source))) {
		return ExternalRedelivered, nil
	}
	if err := pb.Put([]byte(r.Source), seqBytes(r.Position)); err != nil {
		return 0, err
	}
	if r.Event == nil {
		return ExternalConsumed, nil
	}
	ids, seqs := tx.Bucket([]byte(ExternalIDsBucket)), tx.Bucket([]byte(ExternalSeqsBucket))
	key := externalIDKey(r.Event.Source(), r.Event.ID())
	if ids.Get(key) != nil {
		return ExternalDuplicate, nil
	}
	next := *seq + 1
	for _, p := range x.ps {
		if err := p.Apply(tx, next, *r.Event); err != nil {
			return 0, &ApplyError{Projection: p.Name(), Seq: next, Type: r.Event.Type(), Err: err}
		}
	}
	if err := ids.Put(key, seqBytes(next)); err != nil {
		return 0, err
	}
	if err := seqs.Put(seqBytes(next), key); err != nil {
		return 0, err
	}
	*seq = next
	return ExternalApplied, nil
}
