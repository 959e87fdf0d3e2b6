package auditlog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// appendReq is one Append waiting for the writer. Requests are pooled: an
// audited read allocates nothing for its round trip to the writer.
type appendReq struct {
	tails []byte // the entries' bodies after prev and index, concatenated
	ends  []int  // where each entry's tail ends in tails
	seq   uint64 // highest EventSeq among the entries
	exp   bool   // the caller announced it with Expect
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
	return l.append(ctx, false, entries)
}

// Expect announces an Append that the caller is still preparing (a query
// being answered). While appends are expected, the writer holds a batch
// open for them, up to Options.CommitDelay, so that concurrent callers
// share one write and fdatasync instead of each waiting for one of its
// own: every sync costs a disk flush and, on this project's 2-core
// machines, about 35 µs of kernel CPU, so fewer, fuller batches are what
// keep an audited read near the speed of an unaudited one. An idle log expects
// nothing and writes at once. Each Expect must be followed by exactly one
// AppendExpected or Unexpect.
func (l *Log) Expect() { l.expected.Add(1) }

// Unexpect withdraws an Expect whose caller appends nothing after all.
func (l *Log) Unexpect() {
	l.expected.Add(-1)
	select {
	case l.nudge <- struct{}{}:
	default:
	}
}

// AppendExpected is Append for a caller that announced it with Expect.
func (l *Log) AppendExpected(ctx context.Context, entries ...Entry) (last uint64, err error) {
	return l.append(ctx, true, entries)
}

func (l *Log) append(ctx context.Context, expected bool, entries []Entry) (last uint64, err error) {
	if len(entries) == 0 {
		if expected {
			l.Unexpect()
		}
		idx, _ := l.Head()
		return idx, nil
	}
	req := reqPool.Get().(*appendReq)
	req.tails, req.ends, req.seq, req.exp = req.tails[:0], req.ends[:0], 0, expected
	// refuse returns req to the pool and withdraws the announcement of an
	// append that never reaches the writer.
	refuse := func(err error) (uint64, error) {
		reqPool.Put(req)
		if expected {
			l.Unexpect()
		}
		return 0, fmt.Errorf("auditlog: append: %w", err)
	}
	for i := range entries {
		e := &entries[i]
		if err := e.validate(); err != nil {
			return refuse(err)
		}
		start := len(req.tails)
		req.tails = appendTail(req.tails, e)
		if len(req.tails)-start+prevLen+binary.MaxVarintLen64 > MaxRecordBytes {
			return refuse(fmt.Errorf("%w: a record is larger than %d bytes", ErrInvalidEntry, MaxRecordBytes))
		}
		req.ends = append(req.ends, len(req.tails))
		req.seq = max(req.seq, e.EventSeq)
	}
	select {
	case l.reqs <- req:
	case <-ctx.Done():
		return refuse(ctx.Err())
	case <-l.closing:
		return refuse(ErrClosed)
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
// Append queued while the previous batch was written and synced, and, while
// appends are expected (Expect) and the CPU is short (cpuGauge), waits up
// to CommitDelay for them, up to MaxBatch entries; then it writes the batch
// with one write and one fdatasync. Under load batches grow by themselves,
// and an idle log writes at once.
func (l *Log) writer() {
	defer close(l.writerDone)
	var batch []*appendReq
	n, lastN := 0, 0 // entries in the batch; appends in the last one
	take := func(req *appendReq) {
		batch = append(batch, req)
		n += len(req.ends)
		if req.exp {
			l.expected.Add(-1)
		}
	}
	gather, quiet := time.NewTimer(time.Hour), time.NewTimer(time.Hour)
	gather.Stop()
	quiet.Stop()
	var arrivals arrivalRate
	sample := l.opts.cpu
	if sample == nil {
		// Without /proc/stat (not Linux) the gauge reads the process alone.
		stat, err := os.Open("/proc/stat")
		if err == nil {
			defer stat.Close()
		}
		sample = systemCPU(stat)
	}
	gauge := newCPUGauge(l.opts.Cores, sample, time.Now())
	for {
		batch, n = batch[:0], 0
		select {
		case req := <-l.reqs:
			take(req)
		case <-l.closing:
			return
		}
	drain:
		for n < l.opts.MaxBatch {
			select {
			case req := <-l.reqs:
				take(req)
			default:
				break drain
			}
		}
		// A batch is held open while reads announced with Expect are at
		// work, or, when the last batch had company (the log is busy),
		// while entries keep arriving: most of a busy edge's requests are
		// still being read or answered, not yet announced, and each sync a
		// batch saves is a disk flush and its kernel CPU. A busy log whose
		// callers are all in the batch already (a few clients, each waiting
		// for its answer before it asks again) hears nothing for a quiet
		// gap and writes: a hold that waited the whole delay for them would
		// make each of their requests wait it, and the rate it measures
		// fall, and the next hold longer. And a sync saved is only worth
		// a wait while the CPU it costs is short (cpuGauge).
		busy := lastN > 1
		if now := time.Now(); l.opts.CommitDelay > 0 && n < l.opts.MaxBatch && (busy || l.expected.Load() > 0) && (l.opts.HoldAlways || gauge.isShort(now)) {
			// A busy log's company is expected as large as the last batch.
			company := l.expected.Load()
			if busy {
				company = max(company, int64(lastN))
			}
			gather.Reset(arrivals.hold(company, l.opts.CommitDelay))
			gap := l.opts.quiet
			if busy {
				if gap == 0 {
					gap = arrivals.quiet(maxQuiet)
				}
				quiet.Reset(gap)
			}
			began := now
		wait:
			for n < l.opts.MaxBatch && (busy || l.expected.Load() > 0) {
				select {
				case req := <-l.reqs:
					take(req)
					if busy {
						quiet.Reset(gap)
					}
				case <-l.nudge:
				case <-quiet.C:
					busy = false // from now on only announced reads are waited for
				case <-gather.C:
					break wait
				case <-l.closing:
					break wait
				}
			}
			gather.Stop()
			quiet.Stop()
			l.stats.waitNanos.Add(int64(time.Since(began)))
		}
		lastN = len(batch)
		arrivals.add(n, time.Now())
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
	began := time.Now()
	if err := l.preallocate(int64(len(buf))); err != nil {
		return l.fail(err)
	}
	// The batch's first byte goes last. Over zero-filled blocks a reader
	// of the live log (Follow, Scan, Verify) could otherwise catch a
	// batch half copied in, zeros between new bytes, and take it for
	// damage; with its first byte still zero the batch reads as the end of
	// the log until all of it is in place. A crash may lose either write:
	// a frame starting with a zero byte is a batch never acknowledged.
	first := buf[0]
	buf[0] = 0
	_, err := l.f.WriteAt(buf, l.off)
	buf[0] = first
	if err == nil {
		_, err = l.f.WriteAt(buf[:1], l.off)
	}
	if err != nil {
		return l.fail(err)
	}
	if err := unix.Fdatasync(l.fd); err != nil {
		return l.fail(fmt.Errorf("fdatasync: %w", err))
	}
	l.off += int64(len(buf))
	l.stats.batches.Add(1)
	l.stats.records.Add(int64(index - l.head - 1))
	l.stats.syncNanos.Add(int64(time.Since(began)))
	l.mu.Lock()
	l.head, l.hash, l.seq = index-1, prev, seq
	l.segs[len(l.segs)-1].size = l.off
	l.mu.Unlock()
	return nil
}

// preallocBytes is how far ahead of the records the open segment is
// zero-filled.
const preallocBytes = 1 << 20

var zeros [64 << 10]byte

// preallocate makes room for n more bytes at l.off by writing zeros ahead
// of the records, preallocBytes at a time. A batch then overwrites blocks
// the file already has, so its fdatasync flushes data only: appending
// instead changes the file's size and blocks, and every sync commits the
// filesystem journal too (a kernel thread competing for the CPU: with 32
// writers and a 200 µs commit delay, a model of the REST GET on this
// project's 2-core ext4 machines ran 27.6k/s zero-filled, 20.4k/s
// appending). The zeros become
// durable with the batch that needed them. Readers take the zeros after
// the last record for the end of the log (tornAt); sealing a segment cuts
// them off.
func (l *Log) preallocate(n int64) error {
	need := l.off + n
	if need <= l.filled {
		return nil
	}
	target := max(need, min(need+preallocBytes, l.opts.SegmentBytes))
	for l.filled < target {
		k := min(int64(len(zeros)), target-l.filled)
		if _, err := l.f.WriteAt(zeros[:k], l.filled); err != nil {
			return fmt.Errorf("preallocate: %w", err)
		}
		l.filled += k
	}
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
	// A sealed segment ends at its last record: readers and exports of
	// sealed segments take any byte after it for damage.
	if l.filled > l.off {
		if err := l.f.Truncate(l.off); err != nil {
			return fmt.Errorf("seal %s: %w", cur.path, err)
		}
		if err := unix.Fdatasync(l.fd); err != nil {
			return fmt.Errorf("seal %s: fdatasync: %w", cur.path, err)
		}
		l.filled = l.off
	}
	return l.startSegment(header{first: l.head + 1, prev: l.hash, firstTime: now, seqBefore: l.seq, source: l.opts.Source})
}

// holdFor is how many more entries a held batch waits for, at most: one
// sync shared by about five reads costs each a fifth of a disk flush and
// its kernel CPU, and waiting for more gains less than it adds to their
// time.
const holdFor = 4

// rateWindow is how long arrivals are counted before the rate is updated.
const rateWindow = 20 * time.Millisecond

// arrivalRate estimates how many entries reach the writer per second, to
// size how long a batch is held open (hold). Only the writer uses it.
type arrivalRate struct {
	perSecond float64 // smoothed; 0 until the first window ends
	count     int
	since     time.Time
}

// add counts n entries taken at now.
func (a *arrivalRate) add(n int, now time.Time) {
	if a.since.IsZero() {
		a.since = now
	}
	a.count += n
	if el := now.Sub(a.since); el >= rateWindow {
		r := float64(a.count) / el.Seconds()
		if a.perSecond == 0 {
			a.perSecond = r
		} else {
			a.perSecond = 0.7*a.perSecond + 0.3*r
		}
		a.count, a.since = 0, now
	}
}

// hold is how long to hold a batch open for the company appends in
// flight: the time in which min(holdFor, company) more entries arrive at
// the measured rate, so a busy log shares each sync among about five
// reads whether they arrive 17,000 a second (the embedded store: a hold of
// about 200 µs) or 1,700 (reads from Vault: about 2 ms), and a lone read
// waits for nobody. limit (Options.CommitDelay) bounds it, and is the hold
// before the rate is known.
func (a *arrivalRate) hold(company int64, limit time.Duration) time.Duration {
	if a.perSecond <= 0 {
		return limit
	}
	d := time.Duration(float64(min(company, holdFor)) / a.perSecond * float64(time.Second))
	return max(min(d, limit), minHold)
}

// quiet is how long a busy log's hold waits for the next arrival when no
// read is announced: the mean time between arrivals at the measured rate,
// at least minHold and at most limit (maxQuiet).
func (a *arrivalRate) quiet(limit time.Duration) time.Duration {
	if a.perSecond <= 0 {
		return limit
	}
	return max(min(time.Duration(float64(time.Second)/a.perSecond), limit), minHold)
}
