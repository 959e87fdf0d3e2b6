package kafka

import (
	"context"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/ThreeDotsLabs/watermill/message"
)

// ConsumeClaim runs the pipeline of one partition until the session ends.
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
	// slots holds one token per record started and not marked yet: a
	// record slower than the ones after it holds back at most InFlight
	// records, all that a crash would have answered twice.
	slots chan struct{}
	wg    sync.WaitGroup

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
		answered := false
		if p.turn(prev) {
			answered = p.handleRecord(rec)
		}
		close(done)
		p.mu.Lock()
		if p.lastOfKey[key] == done {
			delete(p.lastOfKey, key)
		}
		entry.done, entry.answered = true, answered
		p.markInOrder()
		p.mu.Unlock()
		p.c.in.inFlight.Done()
	}()
}

// turn waits until the record of the same key before this one (prev, nil
// when none) has ended; false when the records are cut short first: the
// record is then not started, so that it never runs beside prev.
func (p *partition) turn(prev <-chan struct{}) bool {
	if prev == nil {
		return p.ctx.Err() == nil
	}
	select {
	case <-prev:
		return p.ctx.Err() == nil
	case <-p.ctx.Done():
		return false
	}
}

// markInOrder marks the offset after the longest run of answered records
// at the start of the window, and frees their slots. A record cut short
// stays at its start: no later offset is marked. Call it with p.mu held.
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
	for range n {
		<-p.slots
	}
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
