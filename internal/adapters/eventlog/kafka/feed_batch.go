package kafka

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/projections"
)

// Metadata of a record sent to the poison topic, besides watermill's
// middleware.ReasonForPoisonedKey and middleware.PoisonedTopicKey.
const (
	PoisonedPartitionKey = "partition_poisoned"
	PoisonedOffsetKey    = "offset_poisoned"
)

// SourceName is the position key of a partition in the projections'
// positions bucket: "kafka:<topic>:<partition>".
func SourceName(topic string, partition int32) string {
	return sourcePrefix(topic) + strconv.FormatInt(int64(partition), 10)
}

func sourcePrefix(topic string) string { return "kafka:" + topic + ":" }

// handle applies a batch in one transaction, then acknowledges it.
func (f *Feed) handle(batch []*message.Message) error {
	recs := make([]projections.ExternalEvent, len(batch))
	for i, msg := range batch {
		r, err := f.record(msg)
		if err != nil {
			return err
		}
		recs[i] = r
	}
	// Counting under the same lock as applying: once WaitFor sees an event,
	// Stats include it.
	f.applyMu.Lock()
	outcomes, err := f.ext.Apply(recs...)
	if err == nil {
		f.count(outcomes)
	}
	f.applyMu.Unlock()
	if err != nil {
		return fmt.Errorf("kafkalog: feed: %w", err)
	}
	for _, msg := range batch {
		msg.Ack()
	}
	return nil
}

// record turns a Kafka record into what the projections apply. A record
// that is not a CloudEvent is published to the poison topic (unless it was
// consumed before) and becomes a record without an event, which only moves
// its partition's position.
func (f *Feed) record(msg *message.Message) (projections.ExternalEvent, error) {
	ctx := msg.Context()
	partition, okP := kafka.MessagePartitionFromCtx(ctx)
	offset, okO := kafka.MessagePartitionOffsetFromCtx(ctx)
	if !okP || !okO || offset < 0 {
		return projections.ExternalEvent{}, errors.New("kafkalog: feed: a record without partition and offset")
	}
	r := projections.ExternalEvent{Source: SourceName(f.cfg.EventsTopic, partition), Position: uint64(offset) + 1}
	e, decodeErr := events.FromMessage(ctx, msg)
	if decodeErr == nil {
		r.Event = &e
		return r, nil
	}
	stored, err := f.ext.Position(r.Source)
	if err != nil {
		return r, fmt.Errorf("kafkalog: feed: %w", err)
	}
	if r.Position <= stored {
		return r, nil
	}
	// The payload stays out of the log: it may be anything, secrets included.
	f.logger.Warn("kafkalog: record is not a CloudEvent; sent to the poison topic",
		"topic", f.cfg.EventsTopic, "partition", partition, "offset", offset,
		"poison_topic", events.TopicPoison, "reason", decodeErr)
	if err := f.publishPoison(msg, partition, offset, decodeErr); err != nil {
		return r, err
	}
	if f.poisoned != nil {
		f.poisoned(f.cfg.EventsTopic)
	}
	return r, nil
}

func (f *Feed) publishPoison(msg *message.Message, partition int32, offset int64, reason error) error {
	id := msg.UUID
	if id == "" {
		id = watermill.NewUUID()
	}
	out := message.NewMessage(id, msg.Payload)
	for k, v := range msg.Metadata {
		out.Metadata.Set(k, v)
	}
	out.Metadata.Set(middleware.ReasonForPoisonedKey, reason.Error())
	out.Metadata.Set(middleware.PoisonedTopicKey, f.cfg.EventsTopic)
	out.Metadata.Set(PoisonedPartitionKey, strconv.FormatInt(int64(partition), 10))
	out.Metadata.Set(PoisonedOffsetKey, strconv.FormatInt(offset, 10))
	if err := f.poison.Publish(events.TopicPoison, out); err != nil {
		return fmt.Errorf("kafkalog: feed: publish %s:%d@%d to %s: %w", f.cfg.EventsTopic, partition, offset, events.TopicPoison, err)
	}
	return nil
}
