package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// DefaultInFlight is how many records of one partition a Consumer handles
// at once unless told otherwise.
const DefaultInFlight = 32

// DefaultRevokeGrace is ConsumerConfig.RevokeGrace unless told otherwise,
// well within Sarama's rebalance timeout (60 s).
const DefaultRevokeGrace = 10 * time.Second

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Brokers, Group and Sarama are the consumer group's: Sarama is not
	// shared with any other client.
	Brokers []string
	Group   string
	Sarama  *sarama.Config
	// InFlight bounds the records of one partition started and not yet
	// marked (answered ones waiting behind a slower one included),
	// DefaultInFlight when zero.
	InFlight int
	// RevokeGrace is how long the records in flight of a partition taken
	// away by a rebalance may finish before they are cut short (left
	// unanswered and unmarked, for the partition's next consumer).
	RevokeGrace time.Duration
}

// Consumer consumes incoming topics with a Sarama consumer group and runs
// each record through the Ingress's Handler of its topic, behind the
// Ingress's middleware (recovery, retry, the poison topic). The records of
// a partition are handled concurrently, at most InFlight at once and one at
// a time per record key, while offsets are marked strictly in order: an
// offset is marked only once its record and every earlier record of its
// partition are answered or poisoned, so a crash or a stop never skips a
// record. A record whose handling was cut short (the consumer stopped, its
// partition was revoked) stays unmarked, and so does every later one.
//
// Written here rather than taken from a library: watermill-kafka (v3.0.6,
// the newest) holds one record per partition until it is acknowledged, and
// Sarama leaves ordered marking over concurrent records to its user.
type Consumer struct {
	in       *Ingress
	group    sarama.ConsumerGroup
	topics   []string
	handlers map[string]message.HandlerFunc
	cfg      ConsumerConfig
	logger   *slog.Logger

	// records is every record's context: it ends when the consumer
	// stops, cutting short the records still in flight.
	records    context.Context
	cutRecords context.CancelFunc
	// consuming ends Consume's context: the session ends and commits.
	consuming     context.Context
	stopConsuming context.CancelFunc
	running       chan struct{}
	runningOnce   sync.Once
	done          chan struct{}

	mu          sync.Mutex
	ran, closed bool
}

// NewConsumer joins nothing yet: Run does. translators maps each topic
// to consume to its Translator.
func (in *Ingress) NewConsumer(cfg ConsumerConfig, translators map[string]Translator) (*Consumer, error) {
	if len(translators) == 0 || cfg.Group == "" || cfg.Sarama == nil {
		return nil, errors.New("kafkaingress: a consumer needs topics, a group and a Sarama configuration")
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = DefaultInFlight
	}
	if cfg.RevokeGrace <= 0 {
		cfg.RevokeGrace = DefaultRevokeGrace
	}
	group, err := sarama.NewConsumerGroup(cfg.Brokers, cfg.Group, cfg.Sarama)
	if err != nil {
		return nil, fmt.Errorf("kafkaingress: consumer group %s: %w", cfg.Group, err)
	}
	c := &Consumer{in: in, group: group, cfg: cfg, handlers: map[string]message.HandlerFunc{},
		logger: in.logger, running: make(chan struct{}), done: make(chan struct{})}
	for topic, t := range translators {
		c.topics = append(c.topics, topic)
		handler := in.Handler(topic, t)
		h := func(msg *message.Message) ([]*message.Message, error) { return nil, handler(msg) }
		mw := in.recordMiddleware()
		for i := len(mw) - 1; i >= 0; i-- {
			h = mw[i](h)
		}
		c.handlers[topic] = h
	}
	c.records, c.cutRecords = context.WithCancel(context.Background())
	c.consuming, c.stopConsuming = context.WithCancel(context.Background())
	return c, nil
}

// Running is closed once the consumer has joined its group and holds its
// first partitions.
func (c *Consumer) Running() <-chan struct{} { return c.running }

// Run consumes until Close, rejoining the group after every rebalance.
func (c *Consumer) Run() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.ran = true
	c.mu.Unlock()
	defer close(c.done)
	go func() {
		for err := range c.group.Errors() {
			c.logger.Warn("southbound consumer group", "error", err)
		}
	}()
	for c.consuming.Err() == nil {
		err := c.group.Consume(c.consuming, c.topics, groupHandler{c})
		switch {
		case errors.Is(err, sarama.ErrClosedConsumerGroup) || c.consuming.Err() != nil:
			return nil
		case err != nil:
			c.logger.Warn("southbound consumer group: joining again", "error", err)
			select {
			case <-time.After(time.Second):
			case <-c.consuming.Done():
			}
		}
	}
	return nil
}

// Close cuts short the records still in flight (they stay unmarked), ends
// the session, committing what was marked, and leaves the group. Drain the
// Ingress first to let records in flight be answered.
func (c *Consumer) Close() error {
	c.mu.Lock()
	ran := c.ran
	c.closed = true
	c.mu.Unlock()
	c.cutRecords()
	c.stopConsuming()
	if ran {
		<-c.done
	}
	return c.group.Close()
}

// Closed reports whether Close was called.
func (c *Consumer) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// groupHandler is the Sarama handler of a session.
type groupHandler struct{ c *Consumer }

func (h groupHandler) Setup(sarama.ConsumerGroupSession) error {
	h.c.runningOnce.Do(func() { close(h.c.running) })
	return nil
}

// Cleanup commits what the session marked, before it ends.
func (h groupHandler) Cleanup(sess sarama.ConsumerGroupSession) error {
	sess.Commit()
	return nil
}
