package auditlog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sync"

	"golang.org/x/sys/unix"
)

// appendReq is one Append waiting for the writer. Requests are pooled: an
// audited read allocates nothing for its round trip to the writer.
type appendReq struct {
	tails []byte // the entries' bodies after prev and index, concatenated
	ends  []int  // where each entry's tail ends in tails
	seq   uint64 // highest EventSeq among the entries
	last  uint64 // set by the writer: the index of the last entry
	err   error  // set by the writer
	done  chan struct{}
}

var reqPool = sync.Pool{New: func() any { return &appendReq{done: make(chan struct{}, 1)} }}

// Append stores entries as consecutive records and returns the index of
// the last one. It returns only once they are durable (written and
// fdatasync'd); appends queued while a write is in flight share the next
// write and sync. An error means none of them may be treated as durable.
func (l *Log) Append(ctx context.Context, entries ...Entry) (last uint64, err error) {
	if len(entries) == 0 {
		idx, _ := l.Head()
		return idx, nil
	}
	req := reqPool.Get().(*appendReq)
	req.tails, req.ends, req.seq = req.tails[:0], req.ends[:0], 0
	for i := range entries {
		e := &entries[i]
		if err := e.validate(); err != nil {
			reqPool.Put(req)
			return 0, fmt.Errorf("auditlog: append: %w", err)
		}
		start := len(req.tails)
		req.tails = appendTail(req.tails, e)
		if len(req.tails)-start+prevLen+binary.MaxVarintLen64 > MaxRecordBytes {
			reqPool.Put(req)
			return 0, fmt.Errorf("auditlog: append: %w: a record is larger than %d bytes", ErrInvalidEntry, MaxRecordBytes)
		}
		req.ends = append(req.ends, len(req.tails))
		req.seq = max(req.seq, e.EventSeq)
	}
	select {
	case l.reqs <- req:
	case <-ctx.Done():
		reqPool.Put(req)
		return 0, fmt.Errorf("auditlog: append: %w", ctx.Err())
	case <-l.closing:
		reqPool.Put(req)
		return 0, fmt.Errorf("auditlog: append: %w", ErrClosed)
	}
	// Once queued, the write completes or fails: waiting for it keeps
	// "returned means durable" true even if ctx ends meanwhile. A request
	// still queued when the writer stops (Close) was never written.
	select {
	case <-req.done:
	case <-l.writerDone:
		select {
		case <-req.done: // answered before the writer stopped
		default:
			return 0, fmt.Errorf("auditlog: append: %w", ErrClosed)
		}
	}
	last, err = req.last, req.err
	reqPool.Put(req)
	if err != nil {
		return 0, fmt.Errorf("auditlog: append: %w", err)
	}
	return last, nil
}

// writer is the single goroutine that writes the log. It takes every
// Append queued while the previous batch was written and synced, up to
// MaxBatch entries, and writes them with one write and one fdatasync: under
// load batches grow by themselves, and an idle log writes at once.
func (l *Log) writer() {
	defer close(l.writerDone)
	var batch []*appendReq
	for {
		select {
		case req := <-l.reqs:
			batch = append(batch[:0], req)
		case <-l.closing:
			return
		}
		n := len(batch[0].ends)
	drain:
		for n < l.opts.MaxBatch {
			select {
			case req := <-l.reqs:
				batch = append(batch, req)
				n += len(req.ends)
			default:
				break drain
			}
		}
		err := l.commit(batch)
		for _, req := range batch {
			req.err = err
			req.done <- struct{}{}
		}
	}
}

// commit chains, writes and syncs one batch. After a failure the log is
// failed for good: what reached the file may be partial, and the next
// Open's recovery is what decides where the log ends.
func (l *Log) commit(batch []*appendReq) error {
	if l.failed != nil {
		return ErrFailed
	}
	if err := l.maybeRoll(); err != nil {
		return l.fail(err)
	}
	buf := l.buf[:0]
	index, prev, seq := l.head+1, l.hash, l.seq
	for _, req := range batch {
		start := 0
		for _, end := range req.ends {
			tail := req.tails[start:end]
			start = end
			buf = binary.AppendUvarint(buf, uint64(prevLen+uvarintLen(index)+len(tail)))
			crcAt := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = append(buf, prev[:]...)
			buf = binary.AppendUvarint(buf, index)
			buf = append(buf, tail...)
			body := buf[crcAt+4:]
			binary.LittleEndian.PutUint32(buf[crcAt:], crc32.Checksum(body, castagnoli))
			prev = sha256.Sum256(body)
			req.last = index
			index++
		}
		seq = max(seq, req.seq)
	}
	l.buf = buf
	if _, err := l.f.Write(buf); err != nil {
		return l.fail(err)
	}
	if err := unix.Fdatasync(l.fd); err != nil {
		return l.fail(fmt.Errorf("fdatasync: %w", err))
	}
	l.mu.Lock()
	l.head, l.hash, l.seq = index-1, prev, seq
	l.segs[len(l.segs)-1].size += int64(len(buf))
	l.mu.Unlock()
	return nil
}

func (l *Log) fail(err error) error {
	l.mu.Lock()
	l.failed = err
	l.mu.Unlock()
	return fmt.Errorf("%w: %w", ErrFailed, err)
}

// maybeRoll seals the open segment when it is full or old and starts the
// next. The open segment's batches are all synced already, so a sealed
// segment is complete the moment the next one exists.
func (l *Log) maybeRoll() error {
	// Enforce drops segments from the front of l.segs under l.mu: read
	// the open one's entry under it too.
	l.mu.Lock()
	cur := l.segs[len(l.segs)-1]
	l.mu.Unlock()
	now := l.opts.Now()
	if cur.first > l.head { // no records yet
		return nil
	}
	if cur.size < l.opts.SegmentBytes && now.Sub(cur.firstTime) < l.opts.SegmentAge {
		return nil
	}
	return l.startSegment(header{first: l.head + 1, prev: l.hash, firstTime: now, seqBefore: l.seq, source: l.opts.Source})
}
