package kafka

import (
	"context"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"

	"github.com/hypo-registry/registry/events"
)

// NoTenantKey is the record key of an event without a tenant: one key, so
// such events keep their order too.
const NoTenantKey = "_"

// tenantMetadata is where events.ToMessage puts the tenant extension
// (binary mode: "ce_" + the extension's name).
const tenantMetadata = "ce_" + events.ExtTenant

// Commit writes evs and, when commandID is not empty, reply to the outbox
// in one durable transaction; the relay publishes the events afterwards. A
// command whose reply is stored already gets ErrDuplicateCommand and writes
// nothing. It returns the outbox sequence of the last event (Relayed says
// how far the topic has caught up).
func (l *Log) Commit(ctx context.Context, commandID string, evs []cloudevents.Event, reply []byte) (uint64, error) {
	seq, err := l.outbox.Commit(ctx, commandID, evs, reply)
	if err != nil {
		return 0, fmt.Errorf("kafkalog: %w", err)
	}
	return seq, nil
}

// partitionKey keys a record by its event's tenant, so one tenant's events
// land in one partition, in order.
func partitionKey(_ string, msg *message.Message) (string, error) {
	if t := msg.Metadata.Get(tenantMetadata); t != "" {
		return t, nil
	}
	return NoTenantKey, nil
}
