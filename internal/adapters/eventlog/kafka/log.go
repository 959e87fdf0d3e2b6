package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/wmlog"
)

var (
	// ErrDuplicateCommand is returned by Commit when a reply is stored for
	// the command id: it ran before and nothing was written. It is the
	// embedded log's sentinel, so callers check one error whichever log is
	// configured.
	ErrDuplicateCommand = bolt.ErrDuplicateCommand
	// ErrClosed is returned by Commit once the log is closed.
	ErrClosed = errors.New("kafkalog: closed")
)

// Log is the production outcome log. Commit writes a command's events and
// reply to a local outbox (an embedded event log file) in one durable
// transaction, exactly as the embedded deployment does; a relay goroutine
// then publishes the outbox to the Kafka topic in order, keyed by tenant.
// So a command never waits on Kafka, a Kafka outage loses nothing (the
// topic catches up when it is back), and deduplication is as strict as
// embedded. Delivery to the topic is at least once; the Feed applies each
// event id once.
type Log struct {
	cfg    Config
	logger *slog.Logger
	pub    *kafka.Publisher
	outbox *bolt.Log

	cancel    context.CancelFunc
	relayDone chan struct{}
	relayed   atomic.Uint64
	trimmed   uint64 // outbox sequence trimmed through; relay goroutine only
	trimHold  atomic.Pointer[func() uint64]
	relayMu   sync.Mutex
	relayErr  error
	closeOnce sync.Once
}

// Open checks that a broker of cfg.Brokers answers and that the events
// topic exists (or can be auto-created) within cfg.DialTimeout, then opens
// the outbox and the producer and starts the relay. A wrong address fails
// here, fast, with the brokers named.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Log, error) {
	cfg = cfg.WithDefaults()
	err := cfg.Validate()
	if cfg.OutboxDB == "" {
		err = errors.Join(err, errors.New("kafkalog: config: no OutboxDB path"))
	}
	if err != nil {
		return nil, err
	}
	if logger == nil {
		return nil, errors.New("kafkalog: open: nil logger")
	}
	if err := probe(ctx, cfg); err != nil {
		return nil, fmt.Errorf("kafkalog: open: %w", err)
	}
	outbox, err := bolt.Open(cfg.OutboxDB, bolt.Options{Timeout: outboxLockTimeout})
	if err != nil {
		return nil, fmt.Errorf("kafkalog: open outbox: %w", err)
	}
	pub, err := newPublisher(cfg, logger)
	if err != nil {
		outbox.Close()
		return nil, fmt.Errorf("kafkalog: open: %w", err)
	}
	relayCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &Log{cfg: cfg, logger: logger, pub: pub, outbox: outbox, cancel: cancel, relayDone: make(chan struct{})}
	// Relayed, and so Backlog, start from the stored cursor: events a
	// previous run published are not waiting.
	relayed, err := outbox.Cursor(relayCursor)
	if err != nil {
		cancel()
		return nil, errors.Join(fmt.Errorf("kafkalog: open: relay cursor: %w", err), pub.Close(), outbox.Close())
	}
	l.relayed.Store(relayed)
	go l.relay(relayCtx)
	return l, nil
}

// outboxLockTimeout is how long Open waits for the outbox file's lock.
const outboxLockTimeout = time.Second

func newPublisher(cfg Config, logger *slog.Logger) (*kafka.Publisher, error) {
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               cfg.Brokers,
		Marshaler:             kafka.NewWithPartitioningMarshaler(partitionKey),
		OverwriteSaramaConfig: SaramaConfig(cfg),
	}, wmlog.New(logger.With("component", "kafkalog")))
	if err != nil {
		return nil, fmt.Errorf("producer for %v: %w", cfg.Brokers, err)
	}
	return pub, nil
}

// Close stops the relay (events not yet published stay in the outbox for
// the next start), closes the producer and the outbox.
func (l *Log) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.cancel()
		<-l.relayDone
		err = errors.Join(l.pub.Close(), l.outbox.Close())
	})
	if err != nil {
		return fmt.Errorf("kafkalog: close: %w", err)
	}
	return nil
}
