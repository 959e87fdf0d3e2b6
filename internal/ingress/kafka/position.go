package kafka

import (
	"context"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
)

// Position is where a record was read: its topic, partition and offset.
type Position struct {
	Topic     string
	Partition int32
	Offset    int64
}

type positionKey struct{}

// WithPosition returns ctx carrying a record's position (as the Consumer
// sets it on every record it hands to a Handler).
func WithPosition(ctx context.Context, p Position) context.Context {
	return context.WithValue(ctx, positionKey{}, p)
}

// PositionOf is the position of the record msg was read from: set by the
// Consumer, or by a watermill-kafka subscriber under a watermill router.
func PositionOf(msg *message.Message) (Position, bool) {
	ctx := msg.Context()
	if p, ok := ctx.Value(positionKey{}).(Position); ok {
		return p, true
	}
	partition, ok1 := kafka.MessagePartitionFromCtx(ctx)
	offset, ok2 := kafka.MessagePartitionOffsetFromCtx(ctx)
	return Position{Topic: message.SubscribeTopicFromCtx(ctx), Partition: partition, Offset: offset}, ok1 && ok2
}

// topicOf is the topic msg was read from, "" when unknown.
func topicOf(msg *message.Message) string {
	if p, ok := PositionOf(msg); ok && p.Topic != "" {
		return p.Topic
	}
	return message.SubscribeTopicFromCtx(msg.Context())
}
