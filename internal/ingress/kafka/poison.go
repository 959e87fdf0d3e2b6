package kafka

import (
	"fmt"
	"log/slog"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
)

// Metadata set on poisoned records, by watermill's poison queue.
const (
	MetaPoisonReason = middleware.ReasonForPoisonedKey
	MetaPoisonTopic  = middleware.PoisonedTopicKey
)

// poisonPayload replaces a poisoned record's value: an unreadable record
// may still hold a secret, which no HMAC of a string field would catch.
const poisonPayload = `{"redacted":"payload withheld"}`

// withheld is the poison queue's publisher. A poisoned record goes out
// with its payload withheld and only the poison headers (reason, topic,
// partition, offset): its own headers carry the caller's token.
type withheld struct {
	pub    message.Publisher
	logger *slog.Logger
	in     *Ingress // its poison counter
}

func (p withheld) Publish(topic string, msgs ...*message.Message) error {
	safe := make([]*message.Message, 0, len(msgs))
	topics := make([]string, 0, len(msgs))
	for _, m := range msgs {
		from, reason := m.Metadata.Get(MetaPoisonTopic), m.Metadata.Get(MetaPoisonReason)
		if from == "" {
			// Read by the Consumer, not under a watermill router.
			from = topicOf(m)
		}
		p.logger.Warn("kafka record poisoned", "topic", from, "reason", reason, "command_id", CommandID(from, m))
		c := message.NewMessage(m.UUID, []byte(poisonPayload))
		c.Metadata.Set(MetaPoisonReason, reason)
		c.Metadata.Set(MetaPoisonTopic, from)
		if p, ok := PositionOf(m); ok {
			c.Metadata.Set("partition", fmt.Sprint(p.Partition))
			c.Metadata.Set("offset", fmt.Sprint(p.Offset))
		}
		safe, topics = append(safe, c), append(topics, from)
	}
	if err := p.pub.Publish(topic, safe...); err != nil {
		return err
	}
	if count := p.in.poisoned; count != nil {
		for _, t := range topics {
			count(t)
		}
	}
	return nil
}

// Close leaves the publisher open: the Ingress does not own it.
func (withheld) Close() error { return nil }
