package kafkalog

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-kafka/v3/pkg/kafka"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/eventlog"
)

var bucketReplies = []byte("replies")

var (
	// ErrDuplicateCommand is returned by Commit when a reply is stored for
	// the command id: it ran before and nothing was published. It is the
	// embedded log's sentinel, so callers check one error whichever log is
	// configured.
	ErrDuplicateCommand = eventlog.ErrDuplicateCommand
	// ErrClosed is returned by Commit once the log is closed.
	ErrClosed = errors.New("kafkalog: closed")
)

// replyDBTimeout is how long Open waits for the reply file's lock.
const replyDBTimeout = time.Second

// Log is the production outcome log: events go to the Kafka topic, replies
// to a local bbolt file. It is safe for concurrent use.
//
// Unlike the embedded log, events and reply are not one transaction: Commit
// publishes the events, then stores the reply. Delivery is at least once. If
// the process dies in between, the command has no stored reply, and a
// redelivered command runs again and publishes new events. Projections are
// unharmed by a record delivered twice (the Feed applies each position and
// each event id once), but the re-run's events are new events.
type Log struct {
	cfg    Config
	logger *slog.Logger
	pub    *kafka.Publisher
	db     *bbolt.DB

	// mu guards closed; Commit holds it shared so Close waits for sends in
	// flight before closing the producer.
	mu     sync.RWMutex
	closed bool
	// A command's reply check, publish and reply write are not atomic:
	// commits of one id run one at a time so two deliveries cannot both
	// publish.
	locks [64]sync.Mutex
}

// Open checks that a broker of cfg.Brokers answers and that the events
// topic exists (or can be auto-created) within cfg.DialTimeout, then opens
// the reply file and the producer. A wrong address fails here, fast, with
// the brokers named; nothing retries in the background.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*Log, error) {
	cfg = cfg.WithDefaults()
	err := cfg.Validate()
	if cfg.ReplyDB == "" {
		err = errors.Join(err, errors.New("kafkalog: config: no ReplyDB path for command replies"))
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
	db, err := openReplies(cfg.ReplyDB)
	if err != nil {
		return nil, fmt.Errorf("kafkalog: open: %w", err)
	}
	pub, err := newPublisher(cfg, logger)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("kafkalog: open: %w", err)
	}
	return &Log{cfg: cfg, logger: logger, pub: pub, db: db}, nil
}

func openReplies(path string) (*bbolt.DB, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: replyDBTimeout})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("reply file %s is locked after %s; another process may hold it: %w", path, replyDBTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("reply file %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketReplies)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("reply file %s: %w", path, err)
	}
	return db, nil
}

func newPublisher(cfg Config, logger *slog.Logger) (*kafka.Publisher, error) {
	pub, err := kafka.NewPublisher(kafka.PublisherConfig{
		Brokers:               cfg.Brokers,
		Marshaler:             kafka.NewWithPartitioningMarshaler(partitionKey),
		OverwriteSaramaConfig: SaramaConfig(cfg),
	}, watermill.NewSlogLogger(logger.With("component", "kafkalog")))
	if err != nil {
		return nil, fmt.Errorf("producer for %v: %w", cfg.Brokers, err)
	}
	return pub, nil
}

// Close waits for commits in flight, flushes and closes the producer, and
// closes the reply file.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	err := l.pub.Close()
	if dbErr := l.db.Close(); dbErr != nil {
		err = errors.Join(err, dbErr)
	}
	if err != nil {
		return fmt.Errorf("kafkalog: close: %w", err)
	}
	return nil
}

func (l *Log) lock(commandID string) *sync.Mutex {
	h := fnv.New32a()
	h.Write([]byte(commandID))
	return &l.locks[h.Sum32()%uint32(len(l.locks))]
}
