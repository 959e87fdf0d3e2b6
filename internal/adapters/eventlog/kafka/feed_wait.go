package kafka

import (
	"context"
	"fmt"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/projections"
)

// WaitFor returns once e is in the projections (applied by this Feed or an
// earlier one on the same database, within the dedup window), so a caller
// that committed e can read its own write. It returns early if Run failed,
// with that error, or when ctx ends. It wakes on every batch, never polls.
func (f *Feed) WaitFor(ctx context.Context, e cloudevents.Event) error {
	for {
		// No batch lands between the lookup and taking changed, so no
		// wake-up is lost.
		f.applyMu.RLock()
		_, seen, err := f.ext.Seen(e.Source(), e.ID())
		f.mu.Lock()
		changed, failed := f.changed, f.failed
		f.mu.Unlock()
		f.applyMu.RUnlock()
		switch {
		case err != nil:
			return fmt.Errorf("kafkalog: wait for %s: %w", e.ID(), err)
		case seen:
			return nil
		case failed != nil:
			return fmt.Errorf("kafkalog: wait for %s: the feed stopped: %w", e.ID(), failed)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("kafkalog: wait for %s: %w", e.ID(), ctx.Err())
		}
	}
}

// Stats returns what the Feed did so far.
func (f *Feed) Stats() FeedStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stats
}

// Applied returns how many events this Feed applied.
func (f *Feed) Applied() uint64 { return f.Stats().Applied }

func (f *Feed) count(outcomes []projections.ExternalOutcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, o := range outcomes {
		switch o {
		case projections.ExternalApplied:
			f.stats.Applied++
		case projections.ExternalRedelivered:
			f.stats.Redelivered++
		case projections.ExternalDuplicate:
			f.stats.Duplicates++
		case projections.ExternalConsumed:
			f.stats.Poisoned++
		}
	}
	f.broadcast()
}

// fail records why Run stops and wakes waiters so they do not wait forever.
func (f *Feed) fail(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = err
	f.broadcast()
	return err
}

func (f *Feed) broadcast() {
	close(f.changed)
	f.changed = make(chan struct{})
}
