package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
)

// ErrDuplicateCommand is returned by Commit when a reply is already stored
// for the command id: the command ran before, nothing was written, and the
// caller should answer with the stored Reply instead. Checking inside the
// transaction closes the race between two deliveries of one command.
var ErrDuplicateCommand = errors.New("eventlog: duplicate command")

// commitReq is one Commit waiting for the writer.
type commitReq struct {
	commandID string
	encoded   [][]byte
	events    []event.Event // encoded's events, for recent
	reply     []byte
	// intent, when set, is an intent record (see Intend) and nothing else;
	// so is cursor, a reader's position (SetCursor).
	intent *intentRec
	cursor *cursorRec
	at     time.Time
	done   chan commitRes
}

type commitRes struct {
	last uint64
	dup  bool
	err  error
}

// Commit appends evs and, when commandID is not empty, stores reply under
// commandID, in one transaction: either all of it is durable or none. It
// returns the sequence of the last event appended (Last() when evs is empty).
// Concurrent calls share one transaction and one fsync (group commit, see
// writer).
func (l *Log) Commit(ctx context.Context, commandID string, evs []event.Event, reply []byte) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("eventlog: commit: %w", err)
	}
	if l.readOnly {
		return 0, errors.New("eventlog: commit: the log is open read-only")
	}
	encoded := make([][]byte, len(evs))
	for i, e := range evs {
		if err := e.Validate(); err != nil {
			return 0, fmt.Errorf("eventlog: commit: event %d (%s): %w", i, e.ID(), err)
		}
		// The bytes the event's own encoder writes (json.Marshal would scan
		// them once more to validate and compact what is already compact).
		b, err := events.AppendJSON(make([]byte, 0, 384+len(e.DataEncoded)), e)
		if err != nil {
			return 0, fmt.Errorf("eventlog: commit: event %d (%s): %w", i, e.ID(), err)
		}
		encoded[i] = b
	}
	if commandID == "" && len(encoded) == 0 {
		return l.Last(), nil
	}
	req := commitReq{commandID: commandID, encoded: encoded, events: evs, reply: reply, at: time.Now(), done: make(chan commitRes, 1)}
	res := l.submit(req)
	if res.err != nil {
		return 0, fmt.Errorf("eventlog: commit: %w", res.err)
	}
	if res.dup {
		return 0, fmt.Errorf("eventlog: commit %q: %w", commandID, ErrDuplicateCommand)
	}
	return res.last, nil
}

// writer is the single goroutine that writes the log. It takes every commit
// queued while the previous transaction was being written and fsynced, up to
// maxBatch, and writes them in one transaction: under load batches grow by
// themselves, and an idle log commits at once, with no timer to wait for.
func (l *Log) writer(maxBatch int) {
	defer close(l.writerDone)
	batch := make([]commitReq, 0, maxBatch)
	for {
		select {
		case req := <-l.commits:
			batch = append(batch[:0], req)
		case <-l.closed:
			l.failQueued()
			return
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case req := <-l.commits:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		results := make([]commitRes, len(batch))
		start := time.Now()
		err := l.db.Update(func(tx *bbolt.Tx) error {
			for i, req := range batch {
				res, err := apply(tx, req)
				if err != nil {
					return err
				}
				results[i] = res
			}
			return nil
		})
		l.stats.commitNanos.Add(int64(time.Since(start)))
		l.stats.batches.Add(1)
		l.stats.requests.Add(int64(len(batch)))
		// Advance before answering: a Commit that returned is visible to
		// Last and wakes Wait.
		var last uint64
		var appended int64
		for i, req := range batch {
			if err != nil {
				results[i] = commitRes{err: err}
				continue
			}
			if !results[i].dup && len(req.encoded) > 0 {
				l.recent.add(results[i].last, req.events)
				appended += int64(len(req.encoded))
			}
			last = max(last, results[i].last)
		}
		l.stats.events.Add(appended)
		if err == nil && last > 0 {
			l.advance(last)
		}
		for i, req := range batch {
			req.done <- results[i]
		}
	}
}

// submit queues req for the writer and waits for its transaction. Once
// queued, a request completes or fails with the log: waiting for it keeps
// "returned means durable" true even if the caller's ctx ends meanwhile. A
// request the writer never took (the log closed as it was queued) fails
// with ErrClosed.
func (l *Log) submit(req commitReq) commitRes {
	select {
	case l.commits <- req:
	case <-l.closed:
		return commitRes{err: ErrClosed}
	}
	select {
	case res := <-req.done:
		return res
	case <-l.writerDone:
		select {
		case res := <-req.done: // answered before the writer stopped
			return res
		default:
			return commitRes{err: ErrClosed}
		}
	}
}

func apply(tx *bbolt.Tx, req commitReq) (commitRes, error) {
	if req.cursor != nil {
		return commitRes{}, putCursor(tx, req.cursor)
	}
	if req.intent != nil {
		return commitRes{}, tx.Bucket(bucketIntents).Put([]byte(req.intent.key), encodeIntent(req.at, req.intent.version))
	}
	replies, events := tx.Bucket(bucketReplies), tx.Bucket(bucketEvents)
	if req.commandID != "" && replies.Get([]byte(req.commandID)) != nil {
		return commitRes{dup: true}, nil
	}
	// Keys only grow: full pages suit an append-only bucket.
	events.FillPercent = 0.95
	res := commitRes{last: events.Sequence()}
	for _, b := range req.encoded {
		seq, err := events.NextSequence()
		if err != nil {
			return res, err
		}
		if err := events.Put(seqKey(seq), b); err != nil {
			return res, err
		}
		res.last = seq
	}
	if req.commandID == "" {
		return res, nil
	}
	return res, replies.Put([]byte(req.commandID), encodeReply(req.at, req.reply))
}

// failQueued answers commits still queued when the log closes.
func (l *Log) failQueued() {
	for {
		select {
		case req := <-l.commits:
			req.done <- commitRes{err: ErrClosed}
		default:
			return
		}
	}
}

func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, seq)
}

func encodeReply(at time.Time, reply []byte) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(reply)), uint64(at.UnixNano()))
	return append(b, reply...)
}
