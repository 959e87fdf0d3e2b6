package bus

import (
	"context"
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill/components/requestreply"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"

	"github.com/hypo-registry/registry/handlers"
)

// Message metadata set where a command enters.
const (
	// MetaCommandID identifies a command across redeliveries: the same id
	// means the same command, answered once. Set only when the sender has a
	// stable identity for the command (an Idempotency-Key, a Kafka record).
	MetaCommandID = "command_id"
	// MetaTenant is the caller's tenant, for events about commands that
	// failed before their handler could name it.
	MetaTenant = "tenant"
)

// Envelope is what an ingress adapter knows about a command besides its
// content.
type Envelope struct {
	CommandID     string
	CorrelationID string
	Tenant        string
}

// Send dispatches cmd and waits for its reply. A reply carrying a handler
// error is returned as the Reply, not as err; err is for the bus itself
// failing (no reply in time: handlers.ErrUnavailable).
func (b *Bus) Send(ctx context.Context, cmd any, env Envelope) (Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.ReplyTimeout)
	defer cancel()
	reply, err := requestreply.SendWithReply[Reply](ctx, envelopeSender{b: b, env: env}, b.backend, cmd)
	if err != nil {
		return Reply{}, fmt.Errorf("%w: send command: %v", handlers.ErrUnavailable, err)
	}
	if reply.Error != nil {
		var timeout requestreply.ReplyTimeoutError
		if errors.As(reply.Error, &timeout) {
			return Reply{}, fmt.Errorf("%w: no reply within %s", handlers.ErrUnavailable, timeout.Duration.Round(1e6))
		}
		return Reply{}, fmt.Errorf("%w: reply: %v", handlers.ErrUnavailable, reply.Error)
	}
	return reply.HandlerResult, nil
}

type envelopeSender struct {
	b   *Bus
	env Envelope
}

func (s envelopeSender) SendWithModifiedMessage(ctx context.Context, cmd any, modify func(*message.Message) error) error {
	return s.b.commands.SendWithModifiedMessage(ctx, cmd, func(m *message.Message) error {
		if s.env.CommandID != "" {
			m.Metadata.Set(MetaCommandID, s.env.CommandID)
		}
		if s.env.Tenant != "" {
			m.Metadata.Set(MetaTenant, s.env.Tenant)
		}
		correlation := s.env.CorrelationID
		if correlation == "" {
			correlation = m.UUID
		}
		middleware.SetCorrelationID(correlation, m)
		return modify(m)
	})
}
