package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	"github.com/cenkalti/backoff/v5"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// addMiddleware installs, outermost first: correlation id, poison queue,
// final-failure reply, deduplication, timeout, retry (transient errors
// only, timeouts not), the mark on errors not to retry, recoverer.
func (b *Bus) addMiddleware(logger watermill.LoggerAdapter) error {
	var sink message.Publisher = b.pubSub
	if b.deps.Poison != nil {
		sink = b.deps.Poison
	}
	poison, err := middleware.PoisonQueueWithFilter(
		redactingPublisher{Publisher: sink, redactor: b.deps.Redactor},
		b.cfg.PoisonTopic,
		func(error) bool { return true },
	)
	if err != nil {
		return fmt.Errorf("bus: poison queue: %w", err)
	}
	b.router.AddMiddleware(
		growStack,
		middleware.CorrelationID,
		poison,
		b.finalFailure,
		b.dedup.middleware(b),
		middleware.Timeout(b.cfg.HandlerTimeout),
		b.retry(logger),
		PermanentUnless(retryable),
		middleware.Recoverer,
	)
	return nil
}

// retry is watermill's Retry behind a first attempt of its own: Retry
// builds its backoff for every message, and nearly every command succeeds
// first time. After a transient failure it waits the first interval and
// hands over to a Retry with one retry less that starts at the second.
// No ShouldRetry: watermill fills RetryParams.Delay by drawing the next
// backoff, so with a ShouldRetry every retry would skip a step (waits of
// 100, 400, 1000 ms instead of 50, 100, 200). PermanentUnless(retryable),
// inside, says what is not retried instead.
func (b *Bus) retry(logger watermill.LoggerAdapter) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		rest := middleware.Retry{
			MaxRetries:      b.cfg.MaxRetries - 1,
			InitialInterval: min(2*b.cfg.RetryInitialInterval, b.cfg.RetryMaxInterval),
			MaxInterval:     b.cfg.RetryMaxInterval,
			Multiplier:      2,
			Logger:          logger,
		}.Middleware(h)
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err == nil {
				return out, nil
			}
			var permanent *backoff.PermanentError
			if errors.As(err, &permanent) {
				return out, permanent.Unwrap()
			}
			if b.cfg.MaxRetries < 1 {
				return out, err
			}
			wait := min(b.cfg.RetryInitialInterval, b.cfg.RetryMaxInterval)
			logger.Error("Error occurred, retrying", err, watermill.LogFields{
				"retry_no": 0, "max_retries": b.cfg.MaxRetries, "wait_time": wait,
			})
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case <-msg.Context().Done():
				return out, msg.Context().Err()
			case <-t.C:
			}
			return rest(msg)
		}
	}
}

// retryable reports a transient failure worth another attempt: not a
// timeout (a retry would wait it out again), nor an outcome that could not
// be committed (the handler's effect may be done).
func retryable(err error) bool {
	var commit errCommit
	return handlers.Transient(err) && !errors.Is(err, handlers.ErrTimeout) && !errors.As(err, &commit)
}

// PermanentUnless marks every failure retry does not accept as a
// backoff.PermanentError, which ends watermill's Retry at once and which
// Retry unwraps again before returning it. Install it inside Retry, and use
// it instead of Retry.ShouldRetry: watermill draws the next backoff to fill
// RetryParams.Delay, so with a ShouldRetry every retry would skip a step.
func PermanentUnless(retry func(error) bool) message.HandlerMiddleware {
	return func(h message.HandlerFunc) message.HandlerFunc {
		return func(msg *message.Message) ([]*message.Message, error) {
			out, err := h(msg)
			if err != nil && !retry(err) {
				return out, backoff.Permanent(err)
			}
			return out, err
		}
	}
}

// finalFailure answers a command whose handling failed for good (retries
// exhausted, a panic, an outcome that could not be committed) and records a
// failed event. No reply is stored: a redelivery may try again.
func (b *Bus) finalFailure(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err == nil {
			return out, nil
		}
		name := msg.Metadata.Get("name")
		if errors.Is(err, handlers.ErrFailpoint) {
			// A simulated crash: nothing more happens to the command. The
			// sender is answered only so a test need not wait for its
			// timeout; a real crash would leave it to time out.
			b.deps.Logger.Warn("command stopped at a failpoint", "command", name, "error", err)
			unavailable := Reply{Error: &ReplyError{Kind: KindUnavailable, Message: "stopped at a failpoint"}}
			if rErr := b.reply(context.WithoutCancel(msg.Context()), msg, unavailable); rErr != nil {
				b.deps.Logger.Error("answering a stopped command", "command", name, "error", rErr)
			}
			return out, err
		}
		b.deps.Logger.Error("command failed", "command", name, "message_uuid", msg.UUID,
			"command_id", msg.Metadata.Get(MetaCommandID), "error", err)
		reply := errorReply(err)
		if !handlers.Transient(err) && reply.Error.Kind != KindInternal {
			reply = Reply{Error: &ReplyError{Kind: KindInternal, Message: "internal error"}}
		}
		// The context may be spent (timeout): record and answer on a fresh one.
		ctx := context.WithoutCancel(msg.Context())
		tenant := msg.Metadata.Get(MetaTenant)
		evs, evErr := b.toEvents(msg, []events.Outcome{{
			Type: events.CommandFailed, Tenant: tenant, Subject: tenant,
			Data: map[string]any{"command": name, "reason": reply.Error.Kind, "message": reply.Error.Message},
		}})
		if evErr == nil {
			_, evErr = b.deps.Log.Commit(ctx, "", evs, nil)
		}
		if evErr != nil {
			b.deps.Logger.Error("recording a failed command", "command", name, "error", evErr)
		}
		if rErr := b.reply(ctx, msg, reply); rErr != nil {
			b.deps.Logger.Error("answering a failed command", "command", name, "error", rErr)
		}
		return out, err
	}
}

// redactingPublisher publishes poisoned commands with secret values in their
// payload replaced by HMACs: a command may carry a password or a token.
type redactingPublisher struct {
	message.Publisher
	redactor Redactor
}

func (p redactingPublisher) Publish(topic string, msgs ...*message.Message) error {
	safe := make([]*message.Message, 0, len(msgs))
	for _, m := range msgs {
		c := m.Copy()
		raw, err := commandJSON(m)
		var payload []byte
		if err == nil {
			payload, err = p.redactor.CopyJSON(raw, events.ClearFields)
		}
		if err != nil {
			payload = []byte(`{"redacted":"payload is not JSON"}`)
		}
		c.Payload = payload
		safe = append(safe, c)
	}
	return p.Publisher.Publish(topic, safe...)
}
