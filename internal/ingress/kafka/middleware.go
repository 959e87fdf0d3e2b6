package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/wmlog"
)

// Middleware is the router middleware of the Handlers, outermost first:
// the graceful stop (the record counts in flight until its offset is
// marked), the poison queue (payload withheld), records whose consumer
// stopped left for the next one, retry (only a reply that could not be
// published; at most three attempts, 100 and 200 ms apart), the mark on
// failures not to retry, a panic's reason, recovery. Install it on the
// router that runs the Handlers, before the router runs.
func (in *Ingress) Middleware() []message.HandlerMiddleware {
	return append([]message.HandlerMiddleware{in.track}, in.recordMiddleware()...)
}

// recordMiddleware is Middleware without the graceful stop, which the
// Consumer does itself: it marks offsets in order, not per record.
func (in *Ingress) recordMiddleware() []message.HandlerMiddleware {
	return []message.HandlerMiddleware{
		in.poison,
		leftIfStopped,
		in.retry.Middleware,
		bus.PermanentUnless(retryable),
		in.panicReason,
		middleware.Recoverer,
	}
}

// replyRetry bounds how long a reply that cannot be published holds its
// partition: after the last attempt the record is poisoned (the reason
// names the topic), and the partition moves on.
func replyRetry(logger *slog.Logger) middleware.Retry {
	return middleware.Retry{
		MaxRetries:      2,
		InitialInterval: 100 * time.Millisecond,
		MaxInterval:     time.Second,
		Multiplier:      2,
		Logger:          wmlog.New(logger),
	}
}

// publishFailure is a reply that could not be published: the only
// failure worth another attempt, the broker or the topic being the cause.
type publishFailure struct{ err error }

func (e publishFailure) Error() string { return "the reply could not be published: " + e.err.Error() }
func (e publishFailure) Unwrap() error { return e.err }

func retryable(err error) bool {
	var p publishFailure
	return errors.As(err, &p)
}

// redeliver is a failure that leaves the record to be delivered again
// rather than poisoned: the bus did not answer, or the record's consumer
// stopped.
type redeliver struct{ err error }

func (e redeliver) Error() string { return e.err.Error() }
func (e redeliver) Unwrap() error { return e.err }

func poisonable(err error) bool {
	var r redeliver
	return !errors.As(err, &r)
}

// leftIfStopped leaves a failed record whose context has ended (its
// consumer stopped) to the next consumer: it can no longer be
// acknowledged, so it is neither poisoned nor answered.
func leftIfStopped(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		if err != nil && msg.Context().Err() != nil {
			return out, redeliver{err}
		}
		return out, err
	}
}

// panicReason turns a recovered panic into the poison reason: the value,
// not the stack trace, which goes to the log.
func (in *Ingress) panicReason(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		out, err := h(msg)
		var p middleware.RecoveredPanicError
		if errors.As(err, &p) {
			in.logger.Error("kafka record handler panicked", "topic", topicOf(msg), "panic", fmt.Sprint(p.V), "stack", p.Stacktrace)
			return out, fmt.Errorf("handling the record panicked: %v", p.V)
		}
		return out, err
	}
}

// track counts a record in flight until it is answered (or poisoned) and
// its offset marked, so that Drain waits for it. A record arriving while
// the Ingress drains is held unanswered until its consumer stops, rather
// than nacked into a redelivery loop.
func (in *Ingress) track(h message.HandlerFunc) message.HandlerFunc {
	return func(msg *message.Message) ([]*message.Message, error) {
		topic := topicOf(msg)
		if !in.enter() {
			<-msg.Context().Done()
			return nil, fmt.Errorf("kafkaingress %s: left for the next consumer: %w", topic, context.Cause(msg.Context()))
		}
		defer in.inFlight.Done()
		out, err := h(msg)
		if err == nil {
			// Acknowledged here, not by the router after return, so that
			// the record counts in flight until its offset is marked.
			msg.Ack()
			awaitMarked(msg)
		}
		return out, err
	}
}

// ackMarkTimeout bounds awaitMarked, should a subscriber keep a record's
// context open after taking its acknowledgement.
var ackMarkTimeout = 5 * time.Second

// awaitMarked waits until the Kafka subscriber has taken msg's
// acknowledgement: it marks the offset, then ends the record's context.
// Stopping the consumer in between (Drain returned) would end its session
// first, and the subscriber drops a mark after that: the record, answered,
// would be delivered and answered again.
func awaitMarked(msg *message.Message) {
	if _, fromKafka := kafka.MessagePartitionFromCtx(msg.Context()); !fromKafka {
		return
	}
	select {
	case <-msg.Context().Done():
	case <-time.After(ackMarkTimeout):
	}
}
