// Package projections keeps bbolt read models fed from the event log: the
// audit log and whatever else a query needs. Each projection stores the
// position of the last event it applied in the same transaction as its
// writes, so it is exactly-once across restarts and can be rebuilt from zero
// by replaying the log.
package projections

import (
	"context"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"
)

// Source is the event log as projections see it: the embedded bbolt log or,
// in production, the Kafka topic. Declared here, where it is used.
type Source interface {
	// Read calls fn for events with sequence >= from, in order, at most
	// limit of them (all when limit <= 0), and returns the next sequence.
	Read(ctx context.Context, from uint64, limit int, fn func(uint64, event.Event) error) (uint64, error)
	// Wait returns once an event after sequence after exists.
	Wait(ctx context.Context, after uint64) error
	// Last returns the sequence of the newest event, 0 when empty.
	Last() uint64
}

// Projection turns events into a read model kept in its own buckets.
type Projection interface {
	// Name identifies the projection and keys its position: renaming a
	// projection makes it start again from the first event.
	Name() string
	// Buckets lists the top-level buckets the projection writes; the runner
	// creates them before the first Apply.
	Buckets() []string
	// Apply applies one event inside tx. An error rolls back the whole
	// batch, the projection's position included; the event is never skipped.
	Apply(tx *bbolt.Tx, seq uint64, e event.Event) error
}

// PositionsBucket holds, per projection name, the big-endian sequence of the
// last event applied. The leading underscore keeps it apart from projection
// buckets.
const PositionsBucket = "_positions"
