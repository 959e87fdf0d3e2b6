package bolt_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/projections"
)

// The log is what projections read.
var _ projections.Source = (*bolt.Log)(nil)

func testEvent(t testing.TB, id string) event.Event {
	t.Helper()
	e := event.New()
	e.SetID(id)
	e.SetSource("/registry/test")
	e.SetType("io.hypo.registry.imagepull.secret.created")
	e.SetSubject("acme/pull-" + id)
	e.SetTime(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	e.SetExtension("tenant", "acme")
	e.SetExtension("correlationid", "corr-"+id)
	e.SetExtension("causationid", "cmd-"+id)
	if err := e.SetData(event.ApplicationJSON, map[string]any{"name": "pull-" + id}); err != nil {
		t.Fatal(err)
	}
	return e
}

func testEvents(t testing.TB, prefix string, n int) []event.Event {
	t.Helper()
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = testEvent(t, fmt.Sprintf("%s-%d", prefix, i))
	}
	return evs
}

func openLog(t testing.TB, path string, opts bolt.Options) *bolt.Log {
	t.Helper()
	l, err := bolt.Open(path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func tempLog(t testing.TB) (*bolt.Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "events.db")
	return openLog(t, path, bolt.Options{}), path
}

type seen struct {
	seq uint64
	id  string
}

func readAll(t testing.TB, l *bolt.Log, from uint64, limit int) ([]seen, uint64) {
	t.Helper()
	var out []seen
	next, err := l.Read(t.Context(), from, limit, func(seq uint64, e event.Event) error {
		out = append(out, seen{seq, e.ID()})
		return nil
	})
	if err != nil {
		t.Fatalf("Read(%d, %d): %v", from, limit, err)
	}
	return out, next
}
