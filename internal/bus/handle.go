package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Handle registers h as the handler of command type C. name is the handler's
// consumer identity: never rename it casually.
func Handle[C handlers.Command](b *Bus, name string, h func(context.Context, C) (handlers.Result, error)) error {
	if h == nil {
		return fmt.Errorf("bus: handler %s is nil", name)
	}
	return b.processor.AddHandlers(cqrs.NewCommandHandler(name, func(ctx context.Context, cmd *C) error {
		msg := cqrs.OriginalMessageFromCtx(ctx)
		ctx = b.commandContext(ctx, msg)
		res, err := h(ctx, *cmd)
		if settle := res.Committed; settle != nil {
			// Exactly once: complete says true after a durable commit;
			// every other way out of here says false.
			settled := false
			res.Committed = func(durable bool) { settled = true; settle(durable) }
			defer func() {
				if !settled {
					settle(false)
				}
			}()
		}
		if handlers.Transient(err) || errors.Is(err, handlers.ErrFailpoint) {
			return err // retried by middleware; answered by finalFailure after the last try
		}
		if err := handlers.Step(ctx, handlers.StepHandled); err != nil {
			return err
		}
		return b.complete(ctx, msg, name, (*cmd).Who(), res, err)
	}))
}

// commandContext gives the handler the command's id, so a store can tie
// its write to it (handlers.CommandID), and the test failpoint if any. A
// command without a stable id (REST without Idempotency-Key) is named by
// its message, which stays the same across the bus's own retries.
func (b *Bus) commandContext(ctx context.Context, msg *message.Message) context.Context {
	id := msg.Metadata.Get(MetaCommandID)
	if id == "" {
		id = "msg:" + msg.UUID
	}
	ctx = handlers.WithCommandID(ctx, id)
	if b.cfg.Failpoint != nil {
		ctx = handlers.WithFailpoint(ctx, b.cfg.Failpoint)
	}
	return ctx
}

// errCommit marks a failure to make an outcome durable. It is answered as
// unavailable but never retried: the handler's effect may already be done.
type errCommit struct{ err error }

func (e errCommit) Error() string { return "commit outcome: " + e.err.Error() }
func (e errCommit) Unwrap() error { return handlers.ErrUnavailable }

// complete turns a handler's result into events and a reply, commits both,
// then answers the caller.
func (b *Bus) complete(ctx context.Context, msg *message.Message, name string, who handlers.Caller, res handlers.Result, herr error) error {
	outcomes := res.Events
	var reply Reply
	if herr != nil {
		reply = errorReply(herr)
		outcomes = append(outcomes, events.Outcome{
			Type: events.CommandRejected, Tenant: who.Tenant, Subject: who.Tenant,
			Data: map[string]any{"command": name, "reason": reply.Error.Kind, "message": reply.Error.Message},
		})
	} else {
		var err error
		if reply, err = dataReply(res.Reply); err != nil {
			return err
		}
	}
	evs, err := b.toEvents(msg, outcomes)
	if err != nil {
		return err
	}
	commandID := msg.Metadata.Get(MetaCommandID)
	sealed, err := b.dedup.seal(msg, reply)
	if err != nil {
		return err
	}
	if _, err := b.deps.Log.Commit(ctx, commandID, evs, sealed); err != nil {
		return errCommit{err}
	}
	if herr == nil && res.Committed != nil {
		res.Committed(true)
	}
	if err := handlers.Step(ctx, handlers.StepCommitted); err != nil {
		return err
	}
	if err := b.reply(ctx, msg, reply); err != nil {
		return err
	}
	return handlers.Step(ctx, handlers.StepReplied)
}

func (b *Bus) reply(_ context.Context, msg *message.Message, r Reply) error {
	answer(msg, r)
	return nil
}

// toEvents stamps outcomes with ids, time and correlation, and replaces
// every secret string in their data by its HMAC before the event exists.
func (b *Bus) toEvents(msg *message.Message, outcomes []events.Outcome) ([]cloudevents.Event, error) {
	causation := msg.Metadata.Get(MetaCommandID)
	if causation == "" {
		causation = msg.UUID
	}
	meta := events.Meta{
		Time:          b.deps.Now(),
		CorrelationID: middleware.MessageCorrelationID(msg),
		CausationID:   causation,
	}
	evs := make([]cloudevents.Event, 0, len(outcomes))
	for _, o := range outcomes {
		safe, err := b.deps.Redactor.CopyMap(o.Data, events.ClearFields)
		if err != nil {
			return nil, fmt.Errorf("event %s: redact: %w", o.Type, err)
		}
		meta.ID = watermill.NewUUID()
		e, err := events.New(o, safe, meta)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, nil
}
