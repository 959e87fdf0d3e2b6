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
	// InFlight bounds the records of one partition handled at once,
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

func (h groupHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	ctx, cancel := context.WithCancel(h.c.records)
	defer cancel()
	p := &partition{c: h.c, sess: sess, topic: claim.Topic(), id: claim.Partition(), ctx: ctx,
		handle: h.c.handlers[claim.Topic()], slots: make(chan struct{}, h.c.cfg.InFlight), lastOfKey: map[string]chan struct{}{}}
	p.consume(claim.Messages())
	p.finish(cancel)
	return nil
}

// partition is the pipeline of one claimed partition.
type partition struct {
	c      *Consumer
	sess   sarama.ConsumerGroupSession
	topic  string
	id     int32
	ctx    context.Context // the records': ends when they are cut short
	handle message.HandlerFunc
	slots  chan struct{} // one per record in flight
	wg     sync.WaitGroup

	mu sync.Mutex
	// window holds the records not marked yet, in offset order.
	window []*pending
	// lastOfKey is the last record started of each key, closed when it
	// ends: the next record of the key waits for it.
	lastOfKey map[string]chan struct{}
}

// pending is a record in the window.
type pending struct {
	offset         int64
	done, answered bool
}

// consume starts the records of the claim until the session ends, or the
// Ingress drains: a record arriving then is held unanswered and unmarked
// until the consumer stops.
func (p *partition) consume(records <-chan *sarama.ConsumerMessage) {
	session := p.sess.Context()
	for {
		var rec *sarama.ConsumerMessage
		select {
		case r, ok := <-records:
			if !ok {
				return
			}
			rec = r
		case <-session.Done():
			return
		}
		select {
		case p.slots <- struct{}{}:
		case <-session.Done():
			return
		}
		if !p.c.in.enter() {
			<-p.slots
			<-session.Done()
			return
		}
		p.start(rec)
	}
}

// start handles rec in its own goroutine, after the record of the same key
// before it.
func (p *partition) start(rec *sarama.ConsumerMessage) {
	entry := &pending{offset: rec.Offset}
	done := make(chan struct{})
	key := string(rec.Key)
	p.mu.Lock()
	p.window = append(p.window, entry)
	prev := p.lastOfKey[key]
	if key != "" {
		p.lastOfKey[key] = done
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if prev != nil {
			select {
			case <-prev:
			case <-p.ctx.Done(): // handled below as cut short
			}
		}
		answered := p.handleRecord(rec)
		close(done)
		p.mu.Lock()
		if p.lastOfKey[key] == done {
			delete(p.lastOfKey, key)
		}
		entry.done, entry.answered = true, answered
		p.markInOrder()
		p.mu.Unlock()
		<-p.slots
		p.c.in.inFlight.Done()
	}()
}

// markInOrder marks the offset after the longest run of answered records
// at the start of the window. A record cut short stays at its start: no
// later offset is marked. Call it with p.mu held.
func (p *partition) markInOrder() {
	n := 0
	for n < len(p.window) && p.window[n].done && p.window[n].answered {
		n++
	}
	if n == 0 {
		return
	}
	p.sess.MarkOffset(p.topic, p.id, p.window[n-1].offset+1, "")
	p.window = p.window[n:]
}

// redeliverPause spaces the attempts at a record the bus did not answer.
var redeliverPause = 100 * time.Millisecond

// handleRecord runs rec through the handler until it is answered or
// poisoned (true), or cut short (false). A record the bus did not answer
// is tried again in place, as a redelivery would.
func (p *partition) handleRecord(rec *sarama.ConsumerMessage) bool {
	for {
		msg, err := Unmarshaler{}.Unmarshal(rec)
		if err != nil {
			// The default unmarshaler fails on nothing a broker delivers.
			p.c.logger.Error("kafka record unreadable", "topic", p.topic, "partition", p.id, "offset", rec.Offset, "error", err)
			return false
		}
		msg.SetContext(WithPosition(p.ctx, Position{Topic: p.topic, Partition: p.id, Offset: rec.Offset}))
		if _, err = p.handle(msg); err == nil {
			return true
		}
		if p.ctx.Err() != nil {
			return false
		}
		p.c.logger.Info("kafka record tried again", "topic", p.topic, "command_id", CommandID(p.topic, msg), "error", err)
		select {
		case <-time.After(redeliverPause):
		case <-p.ctx.Done():
			return false
		}
	}
}

// finish lets the records in flight end when the session does: a
// rebalance gives them RevokeGrace, then cuts them short (cancel).
func (p *partition) finish(cancel context.CancelFunc) {
	ended := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(ended)
	}()
	select {
	case <-ended:
		return
	case <-time.After(p.c.cfg.RevokeGrace):
	}
	p.c.logger.Warn("kafka records of a revoked partition cut short: left unanswered and unmarked, for its next consumer", "topic", p.topic, "partition", p.id)
	cancel()
	<-ended
}
