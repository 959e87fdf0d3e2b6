// Package kafka, the Kafka ingress, turns Kafka records into commands on the bus and the
// bus's replies into Kafka records. Each incoming topic has a Translator
// that decodes and validates its wire format; the Ingress does the rest the
// same way for every topic: a command id from the record's position (so a
// redelivered record is the same command, answered from the bus's stored
// reply), the reply published before the record is acknowledged
// (at-least-once), records that cannot be answered sent to the poison
// topic with the reason, so a partition never blocks, and records whose
// handling the consumer's stop cut short left unanswered and
// unacknowledged, for the next consumer. Recovery, retry and the poison
// topic are middleware, as on the bus. The Consumer runs the records of a
// partition concurrently and marks their offsets in order; Middleware also
// serves a watermill router, one record per partition at a time.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/hypo-registry/registry/internal/bus"
)

// Sender sends a command and returns its reply (the bus).
type Sender interface {
	Send(ctx context.Context, cmd any, env bus.Envelope) (bus.Reply, error)
}

// Outgoing is one record to publish. Key, when set, is the record key
// (records of one key stay in order on one partition); see Marshaler.
type Outgoing struct {
	Topic string
	Key   string
	Msg   *message.Message
}

// MetaKey is the message metadata Marshaler takes the record key from.
const MetaKey = "partition_key"

// Marshaler is the watermill-kafka marshaler for the Ingress's publisher:
// the record key from MetaKey (set from Outgoing.Key), none when unset.
func Marshaler() kafka.MarshalerUnmarshaler {
	return kafka.NewWithPartitioningMarshaler(func(_ string, msg *message.Message) (string, error) {
		return msg.Metadata.Get(MetaKey), nil
	})
}

// Request is a record translated into a command.
type Request struct {
	Command  any
	Envelope bus.Envelope
	// Reply renders the command's reply (or the bus failing, as err) as the
	// records to publish; nil when the topic has no reply.
	Reply func(r bus.Reply, err error) ([]Outgoing, error)
}

// Rejection is a record that cannot become a command. With Reply records
// the sender is answered (an ERROR status); without, the record is poisoned.
type Rejection struct {
	Reason string
	Reply  []Outgoing
}

func (r *Rejection) Error() string { return "rejected: " + r.Reason }

// Translator decodes one record of its topic.
type Translator func(ctx context.Context, msg *message.Message) (Request, error)

// Ingress dispatches translated records. Its Handler does the work of one
// record; recovery, retry, the poison topic and the graceful stop are its
// Middleware, to be installed on the router that runs the Handlers.
type Ingress struct {
	bus    Sender
	pub    message.Publisher
	logger *slog.Logger
	poison message.HandlerMiddleware
	retry  middleware.Retry
	// poisoned counts each record sent to the poison topic, by the topic
	// it came from (SetPoisonCounter); nil counts nothing.
	poisoned func(topic string)

	mu       sync.Mutex
	draining bool
	inFlight sync.WaitGroup
}

// New refuses nil dependencies.
func New(b Sender, pub message.Publisher, poisonTopic string, logger *slog.Logger) (*Ingress, error) {
	if b == nil || pub == nil || logger == nil || poisonTopic == "" {
		return nil, errors.New("kafkaingress: bus, publisher, poison topic and logger are required")
	}
	in := &Ingress{bus: b, pub: pub, logger: logger, retry: replyRetry(logger)}
	poison, err := middleware.PoisonQueueWithFilter(withheld{pub: pub, logger: logger, in: in}, poisonTopic, poisonable)
	if err != nil {
		return nil, fmt.Errorf("kafkaingress: poison queue: %w", err)
	}
	in.poison = poison
	return in, nil
}

// SetPoisonCounter makes every record sent to the poison topic call count
// with the topic it came from (a metric). Call it before records flow.
func (in *Ingress) SetPoisonCounter(count func(topic string)) { in.poisoned = count }

// Handler is the watermill handler of one incoming topic: it translates
// the record, sends its command and publishes the reply. Every error it
// returns poisons the record (see Middleware), except the bus not
// answering on a topic without replies: the record is then redelivered,
// and the bus answers the retry from its stored reply. A command refused
// on a topic without replies is poisoned with the refusal as the reason:
// nobody else would learn of it.
//
// A record's context ends when its consumer stops: the record can then no
// longer be acknowledged, so one whose command was not answered by then is
// not answered at all. It stays uncommitted; its next delivery is the same
// command, answered from the bus's stored reply if the command completed
// meanwhile.
func (in *Ingress) Handler(topic string, t Translator) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		ctx := msg.Context()
		req, err := t(ctx, msg)
		if err != nil {
			return in.reject(topic, msg, err)
		}
		if req.Envelope.CommandID == "" {
			req.Envelope.CommandID = CommandID(topic, msg)
		}
		reply, sendErr := in.bus.Send(ctx, req.Command, req.Envelope)
		if ctx.Err() != nil {
			in.logger.Info("kafka record left unanswered: its consumer stopped", "topic", topic, "command_id", req.Envelope.CommandID)
			return fmt.Errorf("kafkaingress %s: left for the next consumer: %w", topic, context.Cause(ctx))
		}
		if req.Reply == nil {
			if sendErr != nil {
				return redeliver{fmt.Errorf("kafkaingress %s: %w", topic, sendErr)}
			}
			if reply.Error != nil {
				return errors.New("command refused (" + reply.Error.Kind + "): " + reply.Error.Message)
			}
			return nil
		}
		out, err := req.Reply(reply, sendErr)
		if err != nil {
			return errors.New("rendering the reply: " + err.Error())
		}
		return in.publish(out)
	}
}

// reject answers a record that could not become a command when it names
// whom to answer; otherwise its error poisons it.
func (in *Ingress) reject(topic string, msg *message.Message, err error) error {
	var rej *Rejection
	if errors.As(err, &rej) && len(rej.Reply) > 0 {
		in.logger.Info("kafka record rejected", "topic", topic, "reason", rej.Reason, "command_id", CommandID(topic, msg))
		return in.publish(rej.Reply)
	}
	return err
}

// publish publishes out; a failure is a publishFailure, which is retried.
func (in *Ingress) publish(out []Outgoing) error {
	for _, o := range out {
		if o.Key != "" {
			o.Msg.Metadata.Set(MetaKey, o.Key)
		}
		if err := in.pub.Publish(o.Topic, o.Msg); err != nil {
			return publishFailure{fmt.Errorf("kafkaingress: publish to %s: %w", o.Topic, err)}
		}
	}
	return nil
}

// enter counts a record in flight, unless the Ingress is draining.
func (in *Ingress) enter() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.draining {
		return false
	}
	in.inFlight.Add(1)
	return true
}

// Draining reports whether Drain was called.
func (in *Ingress) Draining() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.draining
}

// Drain stops taking records and waits until those in flight are answered
// (or poisoned) and acknowledged, or ctx ends. Records arriving meanwhile
// are held unanswered until their consumer stops. Stop the consumer after
// Drain: records still in flight then end unanswered and unacknowledged
// (see Handler).
func (in *Ingress) Drain(ctx context.Context) error {
	in.mu.Lock()
	in.draining = true
	in.mu.Unlock()
	done := make(chan struct{})
	go func() {
		in.inFlight.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("kafkaingress: records still in flight, left for the next consumer: %w", ctx.Err())
	}
}

// CommandID names a record by its position: a redelivery of the record has
// the same id, a new record never does. Outside Kafka (no position in the
// context) it falls back to the message UUID.
func CommandID(topic string, msg *message.Message) string {
	if p, ok := PositionOf(msg); ok {
		return fmt.Sprintf("kafka:%s:%d:%d", topic, p.Partition, p.Offset)
	}
	return "msg:" + msg.UUID
}
