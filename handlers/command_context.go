package handlers

import (
	"context"
	"errors"
	"fmt"
)

// A command's identity travels with its context to the store adapters, so
// a store can tie its write to the command that made it: a command run
// again after a crash (a redelivered Kafka record, a retried
// Idempotency-Key) then finds its own earlier write instead of writing a
// second time (DESIGN.md, "Exactly once"). The bus sets it for every
// command; stores read it. A context without one (a direct store call)
// writes as before.
type commandIDKey struct{}

// WithCommandID returns ctx carrying the id of the command being handled.
func WithCommandID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, commandIDKey{}, id)
}

// CommandID is the id of the command ctx belongs to, "" outside one.
func CommandID(ctx context.Context) string {
	id, _ := ctx.Value(commandIDKey{}).(string)
	return id
}

// Failpoint is a test hook: called at each named step of a command, a
// non-nil error makes the process "die" there, the command aborted with no
// further step, as a kill -9 at that instant would. Production never sets
// one. It travels in the context, like the command id, so no package holds
// a global hook.
type Failpoint func(step string) error

// Steps at which a command's failpoint is called, in order.
const (
	// StepStoreIntent: a store's write-ahead intent is durable, the write
	// itself not yet sent (Vault).
	StepStoreIntent = "store.intent"
	// StepStoreWritten: the store write is durable, nothing else is.
	StepStoreWritten = "store.written"
	// StepHandled: the handler returned; its events and reply are not yet
	// committed.
	StepHandled = "bus.handled"
	// StepCommitted: events and stored reply are durable, the caller not
	// yet answered.
	StepCommitted = "bus.committed"
	// StepReplied: the caller is answered, the message not yet acked.
	StepReplied = "bus.replied"
)

// ErrFailpoint marks a command aborted by its failpoint. The bus does
// nothing more for it: no retry, no event, no stored reply.
var ErrFailpoint = errors.New("failpoint")

type failpointKey struct{}

// WithFailpoint returns ctx carrying f.
func WithFailpoint(ctx context.Context, f Failpoint) context.Context {
	return context.WithValue(ctx, failpointKey{}, f)
}

// Step runs ctx's failpoint at step; nil without one.
func Step(ctx context.Context, step string) error {
	f, _ := ctx.Value(failpointKey{}).(Failpoint)
	if f == nil {
		return nil
	}
	if err := f(step); err != nil {
		return fmt.Errorf("%w at %s: %w", ErrFailpoint, step, err)
	}
	return nil
}
