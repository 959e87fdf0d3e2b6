package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"github.com/ThreeDotsLabs/watermill/message"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/wmlog"
	"github.com/hypo-registry/registry/projections"
)

// maxBatch is how many records one projection transaction applies at most.
// The subscriber has one record in flight per partition, so a batch holds
// at most one per assigned partition.
const maxBatch = 64

// Feed applies the events topic to this instance's projections, exactly
// once: each record is applied in one bbolt transaction together with its
// partition's position (see projections.External) and acknowledged only
// after that transaction, so a record redelivered after a crash, a restart
// or a rebalance is recognised and skipped. Records that are not
// CloudEvents go to the poison topic and never block their partition.
type Feed struct {
	cfg    Config
	logger *slog.Logger
	ext    *projections.External
	sub    *kafka.Subscriber
	poison *kafka.Publisher

	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	runMu    sync.Mutex
	started  bool
	done     chan struct{} // closed when Run returns
	consumed atomic.Bool   // Run got as far as consuming

	applyMu sync.RWMutex // held to apply a batch and count it
	mu      sync.Mutex
	stats   FeedStats
	failed  error         // why Run stopped, when it failed
	changed chan struct{} // closed and replaced after every batch
	// poisoned counts each record sent to the poison topic, by the topic
	// it came from (SetPoisonCounter); nil counts nothing.
	poisoned func(topic string)
}

// SetPoisonCounter makes every record sent to the poison topic call count
// with the topic it came from (a metric). Call it before Run.
func (f *Feed) SetPoisonCounter(count func(topic string)) { f.poisoned = count }

// FeedStats counts what a Feed did with the records it received.
type FeedStats struct {
	Applied     uint64 // events applied to the projections
	Redelivered uint64 // records at or before a stored position, skipped
	Duplicates  uint64 // events whose id was applied before, skipped
	Poisoned    uint64 // records that are not CloudEvents, sent to the poison topic
}

// NewFeed prepares a feed of ps from cfg.EventsTopic in group
// cfg.ConsumerGroup into db, which the caller owns and closes after Close.
// The group must be this instance's alone (see Config.ConsumerGroup).
func NewFeed(db *bbolt.DB, cfg Config, logger *slog.Logger, ps ...projections.Projection) (*Feed, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		return nil, errors.New("kafkalog: new feed: nil logger")
	}
	ext, err := projections.NewExternal(db, ps...)
	if err != nil {
		return nil, fmt.Errorf("kafkalog: new feed: %w", err)
	}
	ext.SetDedupWindow(cfg.DedupWindow)
	wm := wmlog.New(logger.With("component", "kafkalog.feed"))
	sub, err := kafka.NewSubscriber(kafka.SubscriberConfig{
		Brokers:               cfg.Brokers,
		Unmarshaler:           kafka.DefaultMarshaler{},
		OverwriteSaramaConfig: SaramaConfig(cfg),
		ConsumerGroup:         cfg.ConsumerGroup,
	}, wm)
	if err != nil {
		return nil, fmt.Errorf("kafkalog: new feed: subscriber: %w", err)
	}
	poison, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               cfg.Brokers,
		Marshaler:             kafka.DefaultMarshaler{},
		OverwriteSaramaConfig: SaramaConfig(cfg),
	}, wm)
	if err != nil {
		sub.Close()
		return nil, fmt.Errorf("kafkalog: new feed: poison publisher for %v: %w", cfg.Brokers, err)
	}
	return &Feed{
		cfg: cfg, logger: logger, ext: ext, sub: sub, poison: poison,
		stop: make(chan struct{}), done: make(chan struct{}), changed: make(chan struct{}),
	}, nil
}

// Run applies records until ctx is done or Close is called (then it returns
// nil), or until applying fails (then it returns why; the failed records
// are not acknowledged and are applied again by the next Run). Call it once.
func (f *Feed) Run(ctx context.Context) error {
	f.runMu.Lock()
	if f.started {
		f.runMu.Unlock()
		return errors.New("kafkalog: feed: Run called twice")
	}
	f.started = true
	f.runMu.Unlock()
	defer close(f.done)
	if f.stopping() {
		return nil
	}
	if err := f.rewind(); err != nil {
		return f.fail(err)
	}
	f.consumed.Store(true)
	subCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs, err := f.sub.Subscribe(subCtx, f.cfg.EventsTopic)
	if err != nil {
		return f.fail(fmt.Errorf("kafkalog: feed: subscribe to %s: %w", f.cfg.EventsTopic, err))
	}
	for {
		var first *message.Message
		select {
		case msg, ok := <-msgs:
			if !ok {
				return nil
			}
			first = msg
		case <-ctx.Done():
			return nil
		case <-f.stop:
			return nil
		}
		// Asked to stop while waiting: leave the record unacknowledged.
		if ctx.Err() != nil || f.stopping() {
			return nil
		}
		if err := f.handle(drain(first, msgs)); err != nil {
			return f.fail(err)
		}
	}
}

func (f *Feed) stopping() bool {
	select {
	case <-f.stop:
		return true
	default:
		return false
	}
}

// drain adds to first the records already waiting, up to maxBatch, so that
// partitions delivering at once share one transaction.
func drain(first *message.Message, msgs <-chan *message.Message) []*message.Message {
	batch := []*message.Message{first}
	for len(batch) < maxBatch {
		select {
		case msg, ok := <-msgs:
			if !ok {
				return batch
			}
			batch = append(batch, msg)
		default:
			return batch
		}
	}
	return batch
}

// Close stops Run after the batch it is applying, leaves the group and
// commits as the group's offsets the positions of the records applied, and
// nothing more; then closes the poison publisher. The database stays open.
func (f *Feed) Close() error {
	f.stopOnce.Do(func() { close(f.stop) })
	f.runMu.Lock()
	started := f.started
	f.runMu.Unlock()
	if started {
		<-f.done
	}
	err := errors.Join(f.sub.Close(), f.poison.Close())
	if err == nil && f.consumed.Load() {
		err = f.commitHandled()
	}
	if err != nil {
		return fmt.Errorf("kafkalog: feed: close: %w", err)
	}
	return nil
}
