package bus_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/bus"
)

// Stall is a test command whose handler ignores its context and returns
// only when released.
type Stall struct{ handlers.Auth }

// TestNoReplyInTime: a sender is answered unavailable once ReplyTimeout
// passes without a reply, and the late reply, when it comes, blocks
// nothing: the next command is answered as usual.
func TestNoReplyInTime(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	handled := make(chan struct{})
	cfg := fast()
	cfg.ReplyTimeout, cfg.HandlerTimeout = 100*time.Millisecond, 50*time.Millisecond
	f := startWith(t, "", cfg, func(b *bus.Bus, _ *bolt.Log) error {
		return bus.Handle(b, "test.stall", func(context.Context, Stall) (handlers.Result, error) {
			<-release
			defer close(handled)
			return handlers.Result{Reply: "late"}, nil
		})
	})
	_, err := f.bus.Send(t.Context(), &Stall{Auth: handlers.Auth{Caller: caller}}, bus.Envelope{})
	if !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), "no reply within") {
		t.Fatalf("send = %v, want unavailable: no reply within", err)
	}
	close(release)
	<-handled
	if r := f.send(t, Touch{}, bus.Envelope{}); r.Error != nil {
		t.Fatalf("next command: %+v", r.Error)
	}
}
