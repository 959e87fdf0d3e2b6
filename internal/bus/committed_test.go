package bus_test

import (
	"context"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/bus"
)

// Mark is a test command whose handler asks to hear whether its event
// became durable (handlers.Result.Committed).
type Mark struct {
	handlers.Auth
	Type string `json:"type"` // the event's type; "" makes the event invalid
}

// TestCommittedHook: Committed is called exactly once: true once the
// event is in the log and before the caller is answered; false when it
// never gets there from this handling (an event that cannot be built, a
// stop between handler and commit).
func TestCommittedHook(t *testing.T) {
	t.Parallel()
	const marked = "io.hypo.registry.test.marked"
	cases := []struct {
		name      string
		typ       string
		failpoint string
		want      bool
	}{
		{name: "durable", typ: marked, want: true},
		{name: "event invalid", typ: ""},
		{name: "stopped before the commit", typ: marked, failpoint: handlers.StepHandled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := fast()
			if tc.failpoint != "" {
				cfg.Failpoint = func(step string) error {
					if step == tc.failpoint {
						return handlers.ErrFailpoint
					}
					return nil
				}
			}
			var (
				mu    sync.Mutex
				calls []bool
				last  []uint64 // the log's last sequence at each call
			)
			f := startWith(t, "", cfg, func(b *bus.Bus, l *bolt.Log) error {
				return bus.Handle(b, "test.mark", func(_ context.Context, c Mark) (handlers.Result, error) {
					return handlers.Result{
						Events: []events.Outcome{{Type: c.Type, Tenant: "tenant-a"}},
						Committed: func(durable bool) {
							mu.Lock()
							defer mu.Unlock()
							calls, last = append(calls, durable), append(last, l.Last())
						},
					}, nil
				})
			})
			r, err := f.bus.Send(t.Context(), &Mark{Auth: handlers.Auth{Caller: caller}, Type: tc.typ}, bus.Envelope{Tenant: "tenant-a"})
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			if tc.want != (r.Error == nil) {
				t.Fatalf("reply error %+v, want success %v", r.Error, tc.want)
			}
			mu.Lock()
			defer mu.Unlock()
			// Answered means settled: the hook runs before the reply (true)
			// or before the handling ends (false), which the reply follows.
			if len(calls) != 1 || calls[0] != tc.want {
				t.Fatalf("Committed calls %v, want exactly [%v]", calls, tc.want)
			}
			evs := f.events(t)
			if tc.want && (last[0] == 0 || len(evs) != 1 || evs[0].Type() != marked) {
				t.Errorf("Committed(true) with log at %d, events %v: want the event durable first", last[0], evs)
			}
			for _, e := range evs {
				if !tc.want && e.Type() == marked {
					t.Errorf("Committed(false), but the event %v is in the log", e)
				}
			}
		})
	}
}
