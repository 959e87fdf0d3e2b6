// Package eventlog is the embedded event log: CloudEvents appended to a bbolt
// file under contiguous sequence numbers, together with the replies of the
// commands that produced them, so that a redelivered command is answered
// from its stored reply instead of being executed twice. In production the
// Kafka topic registry.events plays this role; projections read either
// through the same small interface.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/bbolt"
)

var (
	bucketEvents  = []byte("events")
	bucketReplies = []byte("replies")
	bucketIntents = []byte("intents")
)

// ErrClosed is returned by Wait once the log is closed.
var ErrClosed = errors.New("eventlog: closed")

// Log is an open event log. It is safe for concurrent use.
type Log struct {
	db   *bbolt.DB
	path string

	mu      sync.Mutex
	last    uint64
	changed chan struct{} // closed and replaced whenever last grows
	closed  chan struct{}
	once    sync.Once

	recent *recent // the newest events, decoded

	readOnly   bool
	commits    chan commitReq
	writerDone chan struct{}

	stats struct{ batches, requests, events, commitNanos atomic.Int64 }
}

// Stats is what the writer has done since Open.
type Stats struct {
	Batches  int64         // transactions, each with bbolt's fdatasyncs
	Requests int64         // commits, intents and cursors written in them
	Events   int64         // events appended
	Commit   time.Duration // spent in those transactions, syncs included
}

// Stats reports the writer's work since Open: Requests/Batches is how many
// commits shared a transaction, Commit/Batches the mean transaction.
func (l *Log) Stats() Stats {
	return Stats{
		Batches: l.stats.batches.Load(), Requests: l.stats.requests.Load(),
		Events: l.stats.events.Load(), Commit: time.Duration(l.stats.commitNanos.Load()),
	}
}

// Open opens (creating unless opts.ReadOnly) the log stored at path.
func Open(path string, opts Options) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	opts = opts.withDefaults()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout, ReadOnly: opts.ReadOnly})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, fmt.Errorf("eventlog: open %s: file is locked after %s; another process (a running registryd?) may hold it: %w", path, opts.Timeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	l := &Log{
		db: db, path: path, changed: make(chan struct{}), closed: make(chan struct{}), recent: newRecent(),
		readOnly: opts.ReadOnly, commits: make(chan commitReq, opts.MaxBatchSize), writerDone: make(chan struct{}),
	}
	if err := l.init(opts.ReadOnly); err != nil {
		db.Close()
		return nil, fmt.Errorf("eventlog: open %s: %w", path, err)
	}
	if opts.ReadOnly {
		close(l.writerDone)
	} else {
		go l.writer(opts.MaxBatchSize)
	}
	return l, nil
}

func (l *Log) init(readOnly bool) error {
	load := func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketEvents); b != nil {
			l.last = b.Sequence()
		}
		return nil
	}
	if readOnly {
		return l.db.View(load)
	}
	return l.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range [][]byte{bucketEvents, bucketReplies, bucketIntents} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return load(tx)
	})
}

// Close releases the file. Pending Wait calls return ErrClosed.
func (l *Log) Close() error {
	l.once.Do(func() { close(l.closed) })
	<-l.writerDone
	if err := l.db.Close(); err != nil {
		return fmt.Errorf("eventlog: close %s: %w", l.path, err)
	}
	return nil
}

// Last returns the sequence of the last committed event, 0 when empty.
func (l *Log) Last() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// Wait returns nil once an event after sequence after is committed, or the
// context's error, or ErrClosed. It wakes on commit rather than polling, so a
// projection sees a new event as soon as it is durable.
func (l *Log) Wait(ctx context.Context, after uint64) error {
	for {
		l.mu.Lock()
		last, changed := l.last, l.changed
		l.mu.Unlock()
		if last > after {
			return nil
		}
		select {
		case <-changed:
		case <-l.closed:
			return ErrClosed
		case <-ctx.Done():
			return fmt.Errorf("eventlog: wait: %w", ctx.Err())
		}
	}
}

// advance records that events up to seq are durable and wakes every waiter.
func (l *Log) advance(seq uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if seq <= l.last {
		return
	}
	l.last = seq
	close(l.changed)
	l.changed = make(chan struct{})
}
