// Package bus is the command path: ingress adapters send typed commands on a
// watermill command bus (components/cqrs); handlers return outcome events and
// a reply; the bus turns outcomes into CloudEvents, commits them with the
// reply in one transaction of the outcome log, and answers the caller over
// a channel its command's message carries (send.go). Retry, timeout,
// recovery, poison queue and deduplication are router middleware.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/components/cqrs"
	"github.com/ThreeDotsLabs/watermill/components/metrics"
	"github.com/ThreeDotsLabs/watermill/message"
	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/internal/wmlog"
)

// OutcomeLog is where a command's events and its reply become durable, in one
// transaction, so a redelivered command is answered from here instead of
// being handled twice. Every adapter passes the suite
// testkit/contract.OutcomeLog.
type OutcomeLog interface {
	// Commit appends evs in order, side by side, and keeps reply under
	// commandID (none if it is ""): all of it or nothing, an invalid event
	// or an ended ctx refusing the whole. A commandID committed before is
	// refused and writes nothing. It returns the sequence of the last
	// event, one more per event (the last one when evs is empty).
	Commit(ctx context.Context, commandID string, evs []cloudevents.Event, reply []byte) (uint64, error)
	// Reply returns the reply committed under commandID.
	Reply(ctx context.Context, commandID string) (reply []byte, found bool, err error)
}

// Sealer encrypts stored replies: they may hold secret values.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Redactor replaces secret strings by their HMAC, keeping the fields in
// clear as they are: CopyJSON in JSON (a poisoned command), CopyMap in an
// event's data, writing byte for byte what CopyJSON of its encoding gives
// (redact.Hasher) without encoding and parsing it first.
type Redactor interface {
	CopyJSON(raw []byte, clear map[string]bool) ([]byte, error)
	CopyMap(m map[string]any, clear map[string]bool) ([]byte, error)
}

// Deps are the bus's collaborators; all are required.
type Deps struct {
	Log      OutcomeLog
	Sealer   Sealer
	Redactor Redactor
	Logger   *slog.Logger
	Metrics  prometheus.Registerer
	Now      func() time.Time
	// Poison receives commands that failed for good, payload redacted.
	// Default: the in-process bus, where nothing durable listens; the
	// failed event in the log is the durable record.
	Poison message.Publisher
}

// Bus sends commands and routes them to handlers.
type Bus struct {
	cfg       Config
	deps      Deps
	pubSub    *inProc
	router    *message.Router
	commands  *cqrs.CommandBus
	processor *cqrs.CommandProcessor
	dedup     *dedup
	timers    timers
}

const commandTopicPrefix = "commands."

// New builds a bus with its router and middleware. Register handlers, then
// Run it.
func New(cfg Config, deps Deps) (*Bus, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil || deps.Sealer == nil || deps.Redactor == nil || deps.Logger == nil || deps.Metrics == nil {
		return nil, errors.New("bus: Log, Sealer, Redactor, Logger and Metrics are required")
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	wmLogger := wmlog.New(deps.Logger.With("component", "bus"))
	b := &Bus{cfg: cfg, deps: deps}
	// Commands and replies travel in their message's context (values.go),
	// which the in-process Pub/Sub hands over as it is.
	b.pubSub = newInProc(16, wmLogger)

	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: 10 * time.Second}, wmLogger)
	if err != nil {
		return nil, fmt.Errorf("bus: router: %w", err)
	}
	b.router = router

	marshaler := valueMarshaler{JSONMarshaler: cqrs.JSONMarshaler{GenerateName: cqrs.StructName}, kinds: &sync.Map{}}
	b.commands, err = cqrs.NewCommandBusWithConfig(b.pubSub, cqrs.CommandBusConfig{
		GeneratePublishTopic: func(p cqrs.CommandBusGeneratePublishTopicParams) (string, error) {
			return marshaler.topic(p.Command), nil
		},
		Marshaler: marshaler,
		Logger:    wmLogger,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: command bus: %w", err)
	}
	b.processor, err = cqrs.NewCommandProcessorWithConfig(router, cqrs.CommandProcessorConfig{
		GenerateSubscribeTopic: func(p cqrs.CommandProcessorGenerateSubscribeTopicParams) (string, error) {
			return commandTopicPrefix + p.CommandName, nil
		},
		SubscriberConstructor: func(cqrs.CommandProcessorSubscriberConstructorParams) (message.Subscriber, error) {
			return b.pubSub, nil
		},
		Marshaler: marshaler,
		Logger:    wmLogger,
	})
	if err != nil {
		return nil, fmt.Errorf("bus: command processor: %w", err)
	}
	b.dedup = newDedup(deps.Log, deps.Sealer)
	// Metrics first, so they wrap (and time) every other middleware. Only
	// the handler's (registry_bus_handler_execution_time_seconds, by
	// handler and success): watermill's subscriber decorator puts a
	// goroutine and a channel between the subscription and the router, one
	// more hand-off per command, to count what the handler histogram
	// counts already, and no handler of the bus publishes.
	router.AddMiddleware(metrics.NewPrometheusMetricsBuilder(deps.Metrics, "registry", "bus").NewRouterMiddleware().Middleware)
	if err := b.addMiddleware(wmLogger); err != nil {
		return nil, err
	}
	return b, nil
}

// Run processes commands until ctx is done.
func (b *Bus) Run(ctx context.Context) error { return b.router.Run(ctx) }

// Running is closed once the router processes commands.
func (b *Bus) Running() chan struct{} { return b.router.Running() }

// Close stops the router, waiting for in-flight commands.
func (b *Bus) Close() error {
	err := b.router.Close()
	return errors.Join(err, b.pubSub.Close())
}
