package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/batchdelay"
)

// auditPositionType marks, in the audit log, how far the feed has read
// when the last event it read was a heartbeat left out by sampling.
const auditPositionType = "io.hypo.registry.audit.position"

// auditFeedBatch bounds the events one append takes: one fdatasync each.
const auditFeedBatch = 1024

// auditFeedDelay is how long the feed lets new events gather before it
// appends them, as the projections do (projectionBatchDelay): every
// append is an fdatasync of the audit log, and under a stream of commands
// (heartbeats) those syncs compete with the event log's, which the
// commands wait for. The events are durable in the local log meanwhile;
// WaitAudit cuts the delay short.
const auditFeedDelay = 10 * time.Millisecond

// localEvents is the log every command's events are committed to on this
// instance: events.db embedded, the outbox with Kafka.
type localEvents interface {
	Read(ctx context.Context, from uint64, limit int, fn func(seq uint64, e cloudevents.Event) error) (uint64, error)
	Wait(ctx context.Context, after uint64) error
	Last() uint64
}

// auditFeed appends each command event of the local log to the audit log,
// after the queries' records, so one hash chain holds both. Every record
// carries its event's sequence, and the feed resumes after the highest one
// the audit log holds (auditlog.Log.LastEventSeq): a crash between the two
// neither loses nor repeats an event. Heartbeats are sampled
// (REGISTRY_VHOST_AUDIT_*).
type auditFeed struct {
	src    localEvents
	log    *auditlog.Log
	sample *vhost.BeatSampler
	logger *slog.Logger

	delay *batchdelay.Delay // after new events; waitFor cuts it short

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after every append
	failed  error
}

func newAuditFeed(src localEvents, log *auditlog.Log, cfg vhost.AuditConfig, logger *slog.Logger) (*auditFeed, error) {
	sample, err := vhost.NewBeatSampler(cfg)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_VHOST_AUDIT_*: %w", err)
	}
	return &auditFeed{src: src, log: log, sample: sample, logger: logger, delay: batchdelay.New(auditFeedDelay),
		changed: make(chan struct{})}, nil
}

// position is the sequence of the last event the audit log holds: the
// outbox keeps every event after it (kafkalog.Log.HoldTrim).
func (f *auditFeed) position() uint64 { return f.log.LastEventSeq() }

// run feeds until ctx ends. An append that fails stops it, and /readyz
// reports it (ready): the audit log refuses every later append too
// (auditlog.ErrFailed), queries answer 503, and the events wait in the
// local log until a restart feeds them.
func (f *auditFeed) run(ctx context.Context) error {
	for {
		pos := f.position()
		n, err := f.feed(ctx, pos)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			f.logger.Error("audit feed stopped: command events wait in the local log until a restart", "after", pos, "error", err)
			f.fail(err)
			return nil
		}
		if n >= auditFeedBatch {
			continue // a backlog: read on at once
		}
		if n == 0 {
			if err := f.src.Wait(ctx, pos); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("audit feed: %w", err)
			}
		}
		// New events, or an append just done that others arrived behind:
		// let the next ones gather.
		if !f.delay.Pause(ctx) {
			return nil
		}
	}
}

// feed appends the events after pos, up to auditFeedBatch, and returns how
// many it read.
func (f *auditFeed) feed(ctx context.Context, pos uint64) (int, error) {
	entries := make([]auditlog.Entry, 0, 64)
	read, last := 0, pos
	var lastTime time.Time
	_, err := f.src.Read(ctx, pos+1, auditFeedBatch, func(seq uint64, e cloudevents.Event) error {
		if read == 0 && seq > pos+1 && pos > 0 {
			f.logger.Error("audit feed: events missing from the local log (trimmed before the audit log read them)",
				"after", pos, "next", seq)
		}
		read++
		last, lastTime = seq, e.Time()
		rec, keep, err := f.sample.Sample(e)
		if err != nil {
			f.logger.Warn("audit feed: heartbeat recorded without its suppressed count", "seq", seq, "error", err)
			rec, keep = e, true
		}
		if keep {
			entries = append(entries, auditEntry(seq, rec))
		}
		return nil
	})
	if err != nil {
		return read, err
	}
	if read == 0 {
		return 0, nil
	}
	if len(entries) == 0 || entries[len(entries)-1].EventSeq != last {
		// The last event read was left out (a sampled heartbeat): a marker
		// keeps the position, so a restart does not read the batch again.
		entries = append(entries, auditlog.Entry{Time: lastTime, Type: auditPositionType, EventSeq: last})
	}
	if _, err := f.log.Append(ctx, entries...); err != nil {
		return read, err
	}
	f.notify()
	return read, nil
}

// auditEntry is the audit record of a command event: the event as it was
// committed, its data already HMAC'd by the bus.
func auditEntry(seq uint64, e cloudevents.Event) auditlog.Entry {
	data := e.Data()
	if len(data) > 0 && (data[0] != '{' || !json.Valid(data)) {
		data = []byte(`{"unreadableData":true}`)
	}
	return auditlog.Entry{
		Time: e.Time(), Type: e.Type(), ID: e.ID(), Subject: e.Subject(),
		Tenant:        events.StringExtension(e, events.ExtTenant),
		CorrelationID: events.StringExtension(e, events.ExtCorrelationID),
		CausationID:   events.StringExtension(e, events.ExtCausationID),
		EventSeq:      seq, Data: data,
	}
}

func (f *auditFeed) notify() {
	f.mu.Lock()
	defer f.mu.Unlock()
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *auditFeed) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = err
	close(f.changed)
	f.changed = make(chan struct{})
}

// ready reports a stopped feed.
func (f *auditFeed) ready(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failed != nil {
		return fmt.Errorf("audit log: %w", f.failed)
	}
	return nil
}

// waitFor returns once the audit log holds every event up to seq. While it
// waits, the feed appends without its delay.
func (f *auditFeed) waitFor(ctx context.Context, seq uint64) error {
	var waited func()
	defer func() {
		if waited != nil {
			waited()
		}
	}()
	for {
		f.mu.Lock()
		changed, failed := f.changed, f.failed
		f.mu.Unlock()
		if f.position() >= seq {
			return nil
		}
		if failed != nil {
			return fmt.Errorf("audit feed: %w", failed)
		}
		if waited == nil {
			waited = f.delay.Wait()
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("audit feed: wait for event %d: %w", seq, ctx.Err())
		}
	}
}
