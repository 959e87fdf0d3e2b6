package bus

import (
	"context"
	"errors"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
)

// errPubSubClosed is Publish's and Subscribe's error once the bus closed.
var errPubSubClosed = errors.New("bus: in-process pub/sub closed")

// inProc is the bus's in-process Pub/Sub: a watermill Publisher and
// Subscriber that hands each published message to every subscription of
// its topic, in the publisher's goroutine, with its context (the command
// and its reply channel travel in it, values.go).
//
// It replaces watermill's GoChannel, which does more than the bus needs
// and costs a command dispatch a quarter of its CPU: per message it
// copies the message twice, starts two goroutines (one per message, one
// per subscriber) to wait for the subscriber's Ack and redeliver on Nack,
// and stores and deletes a mutex per publish in a sync.Map.
//
// A message is delivered once: a Nack is not redelivered. On this bus a
// handler's failure never reaches the router as a Nack but for one case:
// the final-failure middleware answers the sender and commits a failed
// event, and the poison queue acknowledges the command, unless the poison
// topic refuses it; then the router logs that error and the failed event
// stays the command's durable record. GoChannel would deliver it again at
// once, and again for as long as the poison topic refuses: the command's
// failure, and its failed event, over and over.
type inProc struct {
	logger watermill.LoggerAdapter
	buffer int

	mu     sync.RWMutex // RLock while delivering; Lock to (un)subscribe, close
	topics map[string][]*subscription
	closed bool
}

// subscription is one Subscribe's channel. stop is closed first, so a
// Publish blocked on a full out gives up and releases the read lock; out
// is closed under the write lock, when no Publish is sending to it.
type subscription struct {
	out      chan *message.Message
	stop     chan struct{}
	stopOnce sync.Once
}

func newInProc(buffer int, logger watermill.LoggerAdapter) *inProc {
	return &inProc{logger: logger, buffer: buffer, topics: map[string][]*subscription{}}
}

// Publish hands each message to every subscription of topic, waiting for
// room in its buffer. With no subscription the message is dropped (the
// in-process poison topic has none: the failed event in the log is the
// durable record). A second subscription of a topic gets a copy, with the
// same context.
func (p *inProc) Publish(topic string, msgs ...*message.Message) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return errPubSubClosed
	}
	subs := p.topics[topic]
	for _, msg := range msgs {
		if len(subs) == 0 {
			p.logger.Debug("No subscribers to send message", watermill.LogFields{"message_uuid": msg.UUID, "topic": topic})
			continue
		}
		for i, s := range subs {
			m := msg
			if i > 0 {
				m = msg.Copy()
				m.SetContext(msg.Context())
			}
			select {
			case s.out <- m:
			case <-s.stop:
				// Unsubscribed meanwhile: as if it had gone before.
			}
		}
	}
	return nil
}

// Subscribe returns a channel of topic's messages, closed when ctx ends or
// the Pub/Sub closes.
func (p *inProc) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errPubSubClosed
	}
	s := &subscription{out: make(chan *message.Message, p.buffer), stop: make(chan struct{})}
	p.topics[topic] = append(p.topics[topic], s)
	go func() {
		select {
		case <-ctx.Done():
			p.unsubscribe(topic, s)
		case <-s.stop: // closed with the Pub/Sub
		}
	}()
	return s.out, nil
}

func (p *inProc) unsubscribe(topic string, s *subscription) {
	s.stopOnce.Do(func() { close(s.stop) })
	p.mu.Lock()
	defer p.mu.Unlock()
	subs := p.topics[topic]
	for i, x := range subs {
		if x == s {
			p.topics[topic] = append(subs[:i:i], subs[i+1:]...)
			if len(p.topics[topic]) == 0 {
				delete(p.topics, topic)
			}
			close(s.out)
			return
		}
	}
}

// Close closes every subscription's channel; later Publish and Subscribe
// calls fail. Closing twice is a no-op.
func (p *inProc) Close() error {
	var all []*subscription
	p.mu.RLock()
	for _, subs := range p.topics {
		all = append(all, subs...)
	}
	p.mu.RUnlock()
	for _, s := range all {
		s.stopOnce.Do(func() { close(s.stop) })
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	for _, subs := range p.topics {
		for _, s := range subs {
			s.stopOnce.Do(func() { close(s.stop) })
			close(s.out)
		}
	}
	p.topics = nil
	return nil
}
