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
	// MetaCheckRequest marks a command whose id is a client's key (an
	// Idempotency-Key), which a client may reuse by mistake: its reply is
	// stored with a digest of the command, and the same id with another
	// command is ErrKeyReused instead of a replay.
	MetaCheckRequest = "check_request"
)

// ErrKeyReused answers a command whose id was first used for another
// request (Envelope.CheckRequest). It is a conflict to transports that do
// not know it.
var ErrKeyReused = fmt.Errorf("%w: idempotency key reused", handlers.ErrConflict)

// Envelope is what an ingress adapter knows about a command besides its
// content.
type Envelope struct {
	CommandID     string
	CorrelationID string
	Tenant        string
	// CheckRequest says CommandID is a client's key, not the command's own
	// identity: a stored reply is replayed only to the same command.
	CheckRequest bool
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
		if s.env.CheckRequest && s.env.CommandID != "" {
			m.Metadata.Set(MetaCheckRequest, "true")
		}
		m.SetContext(withCommand(cmd))
		correlation := s.env.CorrelationID
		if correlation == "" {
			correlation = m.UUID
		}
		middleware.SetCorrelationID(correlation, m)
		return modify(m)
	})
}
