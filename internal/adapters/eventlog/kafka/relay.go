package kafka

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
)

// relayCursor is the outbox cursor of the relay: the last event published.
const relayCursor = "kafka-relay"

// relayBatch is how many outbox events one publish round sends at most.
const relayBatch = 256

// relay copies the outbox to the events topic, in order, until ctx ends. A
// failed publish is retried with backoff (1s doubling to 30s) from the same
// event: Kafka being down delays the topic, it loses nothing and blocks no
// command. After a crash between a publish and its cursor write, events
// are published again; the Feed applies each event id once.
func (l *Log) relay(ctx context.Context) {
	defer close(l.relayDone)
	backoff := time.Second
	for {
		pos, err := l.outbox.Cursor(relayCursor)
		if err == nil {
			err = l.publishFrom(ctx, pos)
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil && !errors.Is(err, errNothingToRelay) {
			l.setRelayErr(err)
			l.logger.Warn("publishing events to Kafka failed; retrying", "topic", l.cfg.EventsTopic, "backoff", backoff, "error", err)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		l.setRelayErr(nil)
		backoff = time.Second
		if errors.Is(err, errNothingToRelay) {
			if err := l.outbox.Wait(ctx, pos); err != nil {
				return
			}
		}
	}
}

var errNothingToRelay = errors.New("nothing to relay")

// publishFrom publishes up to relayBatch events after pos and moves the
// cursor past them.
func (l *Log) publishFrom(ctx context.Context, pos uint64) error {
	var (
		msgs []*message.Message
		last uint64
	)
	_, err := l.outbox.Read(ctx, pos+1, relayBatch, func(seq uint64, e cloudevents.Event) error {
		msg, err := events.ToMessage(ctx, e)
		if err != nil {
			return err
		}
		msgs, last = append(msgs, msg), seq
		return nil
	})
	if err != nil {
		return fmt.Errorf("read outbox: %w", err)
	}
	if len(msgs) == 0 {
		return errNothingToRelay
	}
	if err := l.pub.Publish(l.cfg.EventsTopic, msgs...); err != nil {
		return fmt.Errorf("publish to %s: %w", l.cfg.EventsTopic, err)
	}
	if err := l.outbox.SetCursor(relayCursor, last); err != nil {
		return err
	}
	l.relayed.Store(last)
	l.trim(last)
	return nil
}

// trimEvery is how many relayed events the outbox keeps before trimming
// them: once in the topic they are the topic's, and an outbox that only
// grows would fill the disk.
const trimEvery = 1024

// trim deletes relayed events from the outbox now and then. A failure is
// only logged: the events are out, and the next trim deletes them.
func (l *Log) trim(relayed uint64) {
	through := relayed
	if hold := l.trimHold.Load(); hold != nil {
		through = min(through, (*hold)())
	}
	if through <= l.trimmed || through-l.trimmed < trimEvery {
		return
	}
	n, err := l.outbox.TrimThrough(through)
	if err != nil {
		l.logger.Warn("trimming relayed events from the outbox", "error", err)
		return
	}
	l.trimmed = through
	l.logger.Debug("trimmed relayed events from the outbox", "count", n, "through", through)
}

// HoldTrim keeps every event after hold() in the outbox, relayed or not:
// the audit log follows the outbox and must read each event before it goes.
func (l *Log) HoldTrim(hold func() uint64) { l.trimHold.Store(&hold) }

// Outbox is the local log every command's events are committed to before
// the relay publishes them; the audit log follows it.
func (l *Log) Outbox() *bolt.Log { return l.outbox }

func (l *Log) setRelayErr(err error) {
	l.relayMu.Lock()
	defer l.relayMu.Unlock()
	l.relayErr = err
}

// RelayError is the relay's last publish error: nil while events reach
// the topic. Commands keep succeeding meanwhile (the outbox holds their
// events), so it is information for /readyz's body and the logs, not a
// reason to take the instance out of service: a broker outage would take
// every replica out at once.
func (l *Log) RelayError() error {
	l.relayMu.Lock()
	defer l.relayMu.Unlock()
	return l.relayErr
}

// Relayed is the outbox sequence of the last event published.
func (l *Log) Relayed() uint64 { return l.relayed.Load() }

// OutboxStats is the outbox writer's work since Open (see bolt.Stats).
func (l *Log) OutboxStats() bolt.Stats { return l.outbox.Stats() }

// Backlog is how many events wait in the outbox for the topic.
func (l *Log) Backlog() uint64 {
	last, relayed := l.outbox.Last(), l.relayed.Load()
	if last <= relayed {
		return 0
	}
	return last - relayed
}

// RelayLag is how long the oldest event waiting in the outbox has waited
// (its commit time, the event's time attribute): 0 with no backlog.
func (l *Log) RelayLag(ctx context.Context, now time.Time) (time.Duration, error) {
	if l.Backlog() == 0 {
		return 0, nil
	}
	var oldest time.Time
	_, err := l.outbox.Read(ctx, l.relayed.Load()+1, 1, func(_ uint64, e cloudevents.Event) error {
		oldest = e.Time()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("kafkalog: relay lag: %w", err)
	}
	if oldest.IsZero() || now.Before(oldest) {
		// Relayed in the meantime, or a clock step: no lag to report.
		return 0, nil
	}
	return now.Sub(oldest), nil
}
