package kafkalog

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// NoTenantKey is the record key of an event without a tenant: one key, so
// such events keep their order too.
const NoTenantKey = "_"

// tenantMetadata is where events.ToMessage puts the tenant extension
// (binary mode: "ce_" + the extension's name).
const tenantMetadata = "ce_" + events.ExtTenant

// Commit publishes evs to the events topic, each keyed by its tenant and
// acknowledged by every in-sync replica, then, when commandID is not empty,
// stores reply under it. A command whose reply is stored already gets
// ErrDuplicateCommand and publishes nothing.
//
// Publishing is one send per event: if one fails, those before it are out
// and the command has no reply, so it may run again (at least once).
//
// It returns 0: Kafka has no global sequence, only per-partition offsets,
// and readers wait with Feed.WaitFor rather than on a sequence. See Log for
// what happens when the process dies between publishing and storing.
func (l *Log) Commit(ctx context.Context, commandID string, evs []cloudevents.Event, reply []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("kafkalog: commit: %w", err)
	}
	msgs := make([]*message.Message, len(evs))
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			return 0, fmt.Errorf("kafkalog: commit: event %d (%s): %w", i, e.ID(), err)
		}
		msg, err := events.ToMessage(ctx, e)
		if err != nil {
			return 0, fmt.Errorf("kafkalog: commit: event %d: %w", i, err)
		}
		msgs[i] = msg
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return 0, fmt.Errorf("kafkalog: commit: %w", ErrClosed)
	}
	if commandID != "" {
		mu := l.lock(commandID)
		mu.Lock()
		defer mu.Unlock()
		if _, found, err := l.reply(commandID); err != nil {
			return 0, fmt.Errorf("kafkalog: commit %q: %w", commandID, err)
		} else if found {
			return 0, fmt.Errorf("kafkalog: commit %q: %w", commandID, ErrDuplicateCommand)
		}
	}
	if len(msgs) > 0 {
		if err := l.pub.Publish(l.cfg.EventsTopic, msgs...); err != nil {
			return 0, fmt.Errorf("kafkalog: commit: publish to %s: %w", l.cfg.EventsTopic, err)
		}
	}
	if commandID == "" {
		return 0, nil
	}
	err := l.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketReplies).Put([]byte(commandID), encodeReply(time.Now(), reply))
	})
	if err != nil {
		// The events are out: this is the at-least-once window.
		return 0, fmt.Errorf("kafkalog: commit %q: events published, reply not stored: %w", commandID, err)
	}
	return 0, nil
}

// partitionKey keys a record by its event's tenant, so one tenant's events
// land in one partition, in order.
func partitionKey(_ string, msg *message.Message) (string, error) {
	if t := msg.Metadata.Get(tenantMetadata); t != "" {
		return t, nil
	}
	return NoTenantKey, nil
}

func encodeReply(at time.Time, reply []byte) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(reply)), uint64(at.UnixNano()))
	return append(b, reply...)
}
