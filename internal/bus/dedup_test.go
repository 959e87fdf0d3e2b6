package bus_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
)

// A client's key (CheckRequest) reused for another command is refused with
// ErrKeyReused and changes nothing; the same command again, even with a
// fresh token, is a replay.
func TestKeyReusedForAnotherCommandIsRefused(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	env := bus.Envelope{CommandID: "http:key-1", CheckRequest: true}
	first := f.send(t, Touch{Secret: "v1"}, env)
	if first.Error != nil {
		t.Fatalf("first: %+v", first.Error)
	}
	for _, tc := range []struct {
		name string
		cmd  Touch
	}{
		{"other content", Touch{Secret: "v2"}},
		{"other field", Touch{Secret: "v1", Refuse: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := f.send(t, tc.cmd, env)
			if r.Error == nil || r.Error.Kind != bus.KindKeyReused {
				t.Fatalf("reply %+v (data %s), want kind %s", r.Error, r.Data, bus.KindKeyReused)
			}
			if err := r.Error.Err(); !errors.Is(err, bus.ErrKeyReused) || !errors.Is(err, handlers.ErrConflict) {
				t.Errorf("error %v does not wrap ErrKeyReused and ErrConflict", err)
			}
		})
	}
	// The same command with a renewed token is the same request.
	cmd := Touch{Secret: "v1"}
	cmd.Caller = handlers.Caller{Subject: caller.Subject, Tenant: caller.Tenant, Token: "a-fresh-token", Roles: []string{"developer"}}
	again, err := f.bus.Send(context.Background(), &cmd, env)
	if err != nil || again.Error != nil || string(again.Data) != string(first.Data) {
		t.Errorf("retry with a fresh token: %v, %+v, %s; want the first reply %s", err, again.Error, again.Data, first.Data)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
	if n := len(f.events(t)); n != 1 {
		t.Errorf("%d events, want the first command's 1: a reused key commits nothing", n)
	}
}

// A reply stored without a digest (before digests, or for an id that is
// the command's own, such as a Kafka record's) is replayed whatever the
// content: such ids name one command by construction.
func TestReplyWithoutDigestIsReplayed(t *testing.T) {
	t.Parallel()
	f := start(t, "", fast())
	first := f.send(t, Touch{Secret: "v1"}, bus.Envelope{CommandID: "legacy-1"})
	second := f.send(t, Touch{Secret: "v2"}, bus.Envelope{CommandID: "legacy-1", CheckRequest: true})
	if second.Error != nil || string(second.Data) != string(first.Data) {
		t.Errorf("reply %+v %s, want the stored reply %s", second.Error, second.Data, first.Data)
	}
	if n := f.handler.calls.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
}
