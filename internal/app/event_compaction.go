package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/handlers/vhost"
)

// eventCompactionInterval is how often the embedded event log is compacted.
const eventCompactionInterval = 5 * time.Minute

// compactChunk is how many events one read of a compaction takes.
const compactChunk = 4096

// errPastBound stops a compaction's read at the first event a reader still
// needs.
var errPastBound = errors.New("past the compaction bound")

// compactableLog is the embedded event log as the compactor uses it.
type compactableLog interface {
	Read(ctx context.Context, from uint64, limit int, fn func(seq uint64, e cloudevents.Event) error) (uint64, error)
	DeleteEvents(seqs []uint64) (int, error)
}

// eventCompactor keeps the embedded event log from growing with every
// heartbeat. The log is what the projections are replayed from, and was
// never trimmed: a fleet of servers heartbeating added about 800 bytes an
// event, for good. A server's heartbeat carrying its record, or its
// removal, decides the projection's entry for that server whatever came
// before (vhost.ServerEntryDecided), so once a later such event is in the
// log the earlier one is dropped. Only events every reader of the log has
// passed are looked at (bound: the projections and the audit feed), so no
// reader meets a hole, and a replay of the compacted log gives the
// projections the live ones hold. What the log keeps is about one event a
// server besides everything else.
type eventCompactor struct {
	log     compactableLog
	bound   func() uint64 // every reader of the log is past this sequence
	decided func(cloudevents.Event) (string, bool)
	chunk   int // events a read takes (compactChunk)

	mu     sync.Mutex
	next   uint64            // the next sequence to look at
	latest map[string]uint64 // server → its latest deciding event looked at
}

func newEventCompactor(log compactableLog, bound func() uint64) *eventCompactor {
	return &eventCompactor{log: log, bound: bound, decided: vhost.ServerEntryDecided, chunk: compactChunk, next: 1, latest: map[string]uint64{}}
}

// compact looks at the events up to the bound not yet looked at, and
// deletes those a later one decides; it returns how many it deleted. The
// first run after a start reads the whole (compacted) log; a log never
// compacted (one from before compaction, or kept while registryd was
// down) is compacted a chunk at a time, so what a run holds stays small.
func (c *eventCompactor) compact(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	bound := c.bound()
	deleted := 0
	drop := make([]uint64, 0, c.chunk)
	for c.next <= bound {
		read := 0
		next, err := c.log.Read(ctx, c.next, c.chunk, func(seq uint64, e cloudevents.Event) error {
			if seq > bound {
				return errPastBound
			}
			read++
			if key, ok := c.decided(e); ok {
				// A run that failed part way may look at an event again:
				// whichever of the two is earlier goes.
				if prev, had := c.latest[key]; had && prev != seq {
					drop = append(drop, min(prev, seq))
					seq = max(prev, seq)
				}
				c.latest[key] = seq
			}
			return nil
		})
		past := errors.Is(err, errPastBound)
		if err != nil && !past {
			return deleted, fmt.Errorf("event log compaction: %w", err)
		}
		// Every event dropped is behind the read: deleting it now changes
		// nothing the read has still to see.
		n, err := c.log.DeleteEvents(drop)
		deleted += n
		if err != nil {
			return deleted, fmt.Errorf("event log compaction: %w", err)
		}
		drop = drop[:0]
		switch {
		case past:
			c.next = bound + 1
		case read < c.chunk:
			c.next = max(next, bound+1) // holes up to the bound
		default:
			c.next = next
		}
		if past || read < c.chunk {
			break
		}
	}
	return deleted, nil
}

// compactionBound is the sequence every reader of the embedded event log
// has passed: each projection's position and the audit feed's.
func (s *Service) compactionBound() uint64 {
	bound := s.auditFeed.position()
	for _, p := range s.runner.Positions() {
		bound = min(bound, p)
	}
	return bound
}

// CompactEvents compacts the embedded event log now (registryd does every
// eventCompactionInterval) and returns how many events it dropped; with
// Kafka, whose outbox is trimmed once relayed, it does nothing.
func (s *Service) CompactEvents(ctx context.Context) (int, error) {
	if s.compactor == nil {
		return 0, nil
	}
	return s.compactor.compact(ctx)
}

// compactEvents runs the compaction until ctx ends.
func (s *Service) compactEvents(ctx context.Context) {
	if s.compactor == nil {
		return
	}
	every(ctx, eventCompactionInterval, s.logger, "compacting the event log", func(ctx context.Context) error {
		n, err := s.compactor.compact(ctx)
		if n > 0 {
			s.logger.Debug("event log compacted", "dropped", n)
		}
		return err
	})
}
