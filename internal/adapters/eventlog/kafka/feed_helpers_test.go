package kafka_test

import (
	"context"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/projections"
)

// running is a Feed whose Run goroutine's result can be awaited.
type running struct {
	*kafka.Feed
	cancel context.CancelFunc
	done   chan error
}

// startFeed runs an audit Feed into db (plus ps), closed by t.Cleanup.
func startFeed(t testing.TB, db *bbolt.DB, cfg kafka.Config, ps ...projections.Projection) *running {
	t.Helper()
	f, err := kafka.NewFeed(db, cfg, logger(), append([]projections.Projection{audit(t)}, ps...)...)
	if err != nil {
		t.Fatalf("NewFeed: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{Feed: f, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- f.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop closes the Feed and returns what Run returned.
func (r *running) stop(t testing.TB) error {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Errorf("Feed.Close: %v", err)
	}
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err // stop may run again from Cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Feed.Run did not return after Close")
		return nil
	}
}

func waitAll(t testing.TB, f *running, evs []cloudevents.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for _, e := range evs {
		if err := f.WaitFor(ctx, e); err != nil {
			t.Fatalf("WaitFor(%s) after %d applied: %v", e.ID(), f.Applied(), err)
		}
	}
}
