// Package kafkaingress turns Kafka records into commands on the bus and the
// bus's replies into Kafka records. Each incoming topic has a Translator
// that decodes and validates its wire format; the Ingress does the rest the
// same way for every topic: a command id from the record's position (so a
// redelivered record is the same command, answered from the bus's stored
// reply), the reply published before the record is acknowledged
// (at-least-once), records that cannot be answered sent to the poison
// topic with the reason, so a partition never blocks, and records whose
// handling the consumer's stop cut short left unanswered and
// unacknowledged, for the next consumer.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"

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

// Ingress dispatches translated records.
type Ingress struct {
	bus         Sender
	pub         message.Publisher
	poisonTopic string
	logger      *slog.Logger

	mu       sync.Mutex
	draining bool
	inFlight sync.WaitGroup
}

// New refuses nil dependencies.
func New(b Sender, pub message.Publisher, poisonTopic string, logger *slog.Logger) (*Ingress, error) {
	if b == nil || pub == nil || logger == nil || poisonTopic == "" {
		return nil, errors.New("kafkaingress: bus, publisher, poison topic and logger are required")
	}
	return &Ingress{bus: b, pub: pub, poisonTopic: poisonTopic, logger: logger}, nil
}

// Metadata set on poisoned records.
const (
	MetaPoisonReason = "reason_poisoned"
	MetaPoisonTopic  = "topic_poisoned"
)

// Handler is the watermill handler of one incoming topic. It returns an
// error only when neither the reply nor the poison record could be
// published (the broker is down) or, on a topic without replies, the bus
// did not answer: the record is then redelivered, and the bus answers the
// retry from its stored reply. A command refused on a topic without
// replies is poisoned with the refusal as the reason: nobody else would
// learn of it.
//
// A record's context ends when its consumer stops: the record can then no
// longer be acknowledged, so one whose command was not answered by then is
// not answered at all. It stays uncommitted; its next delivery is the same
// command, answered from the bus's stored reply if the command completed
// meanwhile.
func (in *Ingress) Handler(topic string, t Translator) message.NoPublishHandlerFunc {
	return func(msg *message.Message) error {
		if !in.enter() {
			// Draining: hold the record unanswered until its consumer
			// stops, rather than nack it into a redelivery loop.
			<-msg.Context().Done()
			return fmt.Errorf("kafkaingress %s: left for the next consumer: %w", topic, context.Cause(msg.Context()))
		}
		defer in.inFlight.Done()
		err := in.handle(topic, t, msg)
		if err == nil {
			// Acknowledged here, not by the router after return, so that
			// the record counts in flight until its offset is marked.
			msg.Ack()
			awaitMarked(msg)
		}
		return err
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

func (in *Ingress) handle(topic string, t Translator, msg *message.Message) error {
	ctx := msg.Context()
	req, err := translate(ctx, t, msg)
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
			return fmt.Errorf("kafkaingress %s: %w", topic, sendErr)
		}
		if reply.Error != nil {
			return in.poison(topic, msg, "command refused ("+reply.Error.Kind+"): "+reply.Error.Message)
		}
		return nil
	}
	out, err := req.Reply(reply, sendErr)
	if err != nil {
		return in.poison(topic, msg, "rendering the reply: "+err.Error())
	}
	return in.reply(topic, msg, out)
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

// Drain stops taking records and waits until those in flight are answered
// and acknowledged, or ctx ends. Records arriving meanwhile are held
// unanswered until their consumer stops. Stop the consumer after Drain:
// records still in flight then end unanswered and unacknowledged (see
// Handler).
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

// translate runs t, turning a panic into an error: a record that crashes
// its translator is poisoned, not redelivered forever.
func translate(ctx context.Context, t Translator, msg *message.Message) (req Request, err error) {
	defer func() {
		if p := recover(); p != nil {
			req, err = Request{}, fmt.Errorf("translator panicked: %v", p)
		}
	}()
	return t(ctx, msg)
}

func (in *Ingress) reject(topic string, msg *message.Message, err error) error {
	var rej *Rejection
	if errors.As(err, &rej) && len(rej.Reply) > 0 {
		in.logger.Info("kafka record rejected", "topic", topic, "reason", rej.Reason, "command_id", CommandID(topic, msg))
		return in.reply(topic, msg, rej.Reply)
	}
	return in.poison(topic, msg, err.Error())
}

// replyAttempts and replyBackoff bound how long a reply that cannot be
// published holds its partition.
var (
	replyAttempts = 3
	replyBackoff  = 100 * time.Millisecond
)

// reply publishes out, retrying a few times. A reply that still cannot be
// published poisons its record (the reason names the topic) rather than
// holding the partition; only when the poison topic fails too (the broker
// is down) is the record left to be redelivered.
func (in *Ingress) reply(topic string, msg *message.Message, out []Outgoing) error {
	var err error
	wait := replyBackoff
	for attempt := 1; attempt <= replyAttempts; attempt++ {
		if err = in.publish(out); err == nil {
			return nil
		}
		if attempt < replyAttempts {
			select {
			case <-msg.Context().Done():
				return err
			case <-time.After(wait):
			}
			wait *= 2
		}
	}
	return in.poison(topic, msg, "the reply could not be published: "+err.Error())
}

func (in *Ingress) publish(out []Outgoing) error {
	for _, o := range out {
		if o.Key != "" {
			o.Msg.Metadata.Set(MetaKey, o.Key)
		}
		if err := in.pub.Publish(o.Topic, o.Msg); err != nil {
			return fmt.Errorf("kafkaingress: publish to %s: %w", o.Topic, err)
		}
	}
	return nil
}

// poison sends a record nobody can be answered for to the poison topic,
// with the reason, and lets the partition move on. The payload is not
// copied: an unreadable record may still hold a secret.
func (in *Ingress) poison(topic string, msg *message.Message, reason string) error {
	in.logger.Warn("kafka record poisoned", "topic", topic, "reason", reason, "command_id", CommandID(topic, msg))
	p := message.NewMessage(msg.UUID, []byte(`{"redacted":"payload withheld"}`))
	p.Metadata.Set(MetaPoisonReason, reason)
	p.Metadata.Set(MetaPoisonTopic, topic)
	if partition, ok := kafka.MessagePartitionFromCtx(msg.Context()); ok {
		p.Metadata.Set("partition", fmt.Sprint(partition))
	}
	if offset, ok := kafka.MessagePartitionOffsetFromCtx(msg.Context()); ok {
		p.Metadata.Set("offset", fmt.Sprint(offset))
	}
	return in.publish([]Outgoing{{Topic: in.poisonTopic, Msg: p}})
}

// CommandID names a record by its position: a redelivery of the record has
// the same id, a new record never does. Outside Kafka (no position in the
// context) it falls back to the message UUID.
func CommandID(topic string, msg *message.Message) string {
	partition, ok1 := kafka.MessagePartitionFromCtx(msg.Context())
	offset, ok2 := kafka.MessagePartitionOffsetFromCtx(msg.Context())
	if ok1 && ok2 {
		return fmt.Sprintf("kafka:%s:%d:%d", topic, partition, offset)
	}
	return "msg:" + msg.UUID
}
