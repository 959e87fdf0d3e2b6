package bus

import (
	"context"
	"fmt"
	"sync"
	"time"

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
//
// The reply comes back in process, over a channel the command's message
// carries (delivery): nothing outside the process waits for replies, and
// watermill's requestreply backend, which subscribed to a topic per
// request and published each reply as a message, cost more than the rest
// of a dispatch.
func (b *Bus) Send(ctx context.Context, cmd any, env Envelope) (Reply, error) {
	d := &delivery{cmd: cmd, replies: make(chan Reply, 1)}
	err := b.commands.SendWithModifiedMessage(ctx, cmd, func(m *message.Message) error {
		if env.CommandID != "" {
			m.Metadata.Set(MetaCommandID, env.CommandID)
		}
		if env.Tenant != "" {
			m.Metadata.Set(MetaTenant, env.Tenant)
		}
		if env.CheckRequest && env.CommandID != "" {
			m.Metadata.Set(MetaCheckRequest, "true")
		}
		m.SetContext(withDelivery(d))
		correlation := env.CorrelationID
		if correlation == "" {
			correlation = m.UUID
		}
		middleware.SetCorrelationID(correlation, m)
		return nil
	})
	if err != nil {
		return Reply{}, fmt.Errorf("%w: send command: %v", handlers.ErrUnavailable, err)
	}
	t := b.timers.get(b.cfg.ReplyTimeout)
	defer b.timers.put(t)
	select {
	case r := <-d.replies:
		return r, nil
	case <-t.C:
		return Reply{}, fmt.Errorf("%w: no reply within %s", handlers.ErrUnavailable, b.cfg.ReplyTimeout)
	case <-ctx.Done():
		return Reply{}, fmt.Errorf("%w: send command: %w", handlers.ErrUnavailable, ctx.Err())
	}
}

// answer hands r to the sender of msg, if it still waits: the first
// answer of a delivery is the one its sender gets.
func answer(msg *message.Message, r Reply) {
	d := deliveryOf(msg)
	if d == nil {
		return // not sent by Send (nobody waits in this process)
	}
	select {
	case d.replies <- r:
	default:
	}
}

// timers reuses the reply timers: one per Send was two allocations of a
// dispatch. Since Go 1.23 a stopped timer's channel holds no stale value,
// so a timer from the pool is as good as new once Reset.
type timers struct{ pool sync.Pool }

func (p *timers) get(d time.Duration) *time.Timer {
	if t, ok := p.pool.Get().(*time.Timer); ok {
		t.Reset(d)
		return t
	}
	return time.NewTimer(d)
}

func (p *timers) put(t *time.Timer) {
	t.Stop()
	p.pool.Put(t)
}
