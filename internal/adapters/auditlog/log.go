package auditlog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

var (
	// ErrLocked: another writer (a running registryd) holds the directory.
	ErrLocked = errors.New("auditlog: the audit directory is locked by another writer")
	// ErrClosed is returned by Append after Close.
	ErrClosed = errors.New("auditlog: closed")
	// ErrFailed is returned by every Append after a write or sync failed:
	// nothing after the failure is durable until the log is reopened.
	ErrFailed = errors.New("auditlog: an earlier write failed; the log accepts no more records")
)

// Log is the single writer of an audit directory.
type Log struct {
	opts Options
	lock *os.File

	reqs       chan *appendReq
	expected   atomic.Int64 // Expect calls whose append the writer has not taken yet
	stats      struct{ batches, records, syncNanos, waitNanos atomic.Int64 }
	nudge      chan struct{} // Unexpect wakes a writer waiting for expected appends
	closing    chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	closeErr   error
	enforceMu  sync.Mutex

	// Written by the writer goroutine only (and Open before it starts);
	// readers take mu.
	mu     sync.Mutex
	head   uint64
	hash   [32]byte
	seq    uint64
	segs   []segInfo // oldest first; the last one is open
	failed error

	f         *os.File // the open segment
	fd        int
	off       int64 // where the next record goes in f: the end of its last record
	filled    int64 // f's size: zeros from off to here (preallocate)
	buf       []byte
	recovered int64
}

// segInfo is what the writer keeps about each segment.
type segInfo struct {
	path      string
	first     uint64
	firstTime time.Time
	size      int64
}

// Open opens (or creates) the log in opts.Dir as its only writer. It
// recovers from a crash: a torn tail of the newest segment is truncated
// (see Recovered); damage anywhere before it is an error wrapping
// ErrCorrupt, because truncating history silently would hide it.
func Open(opts Options) (*Log, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("auditlog: open: %w", err)
	}
	opts = opts.withDefaults()
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("auditlog: open: %w", err)
	}
	lock, err := lockFile(filepath.Join(opts.Dir, "LOCK"))
	if err != nil {
		return nil, fmt.Errorf("auditlog: open %s: %w", opts.Dir, err)
	}
	// A queue as long as a batch: an Append waits once, for its batch's
	// sync, not first for the writer to take it (on 2 cores that second
	// wake-up costs the REST GET about a fifth of its rate).
	l := &Log{opts: opts, lock: lock, reqs: make(chan *appendReq, opts.MaxBatch), nudge: make(chan struct{}, 1), closing: make(chan struct{}), writerDone: make(chan struct{})}
	if err := l.recover(); err != nil {
		if l.f != nil {
			l.f.Close()
		}
		lock.Close()
		return nil, fmt.Errorf("auditlog: open %s: %w", opts.Dir, err)
	}
	go l.writer()
	return l, nil
}

// lockFile takes an exclusive flock without waiting.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// recover loads the segment list, checks the newest segment and truncates
// its torn tail.
func (l *Log) recover() error {
	files, err := listSegments(l.opts.Dir)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return l.startSegment(header{first: 1, firstTime: l.opts.Now(), source: l.opts.Source})
	}
	for _, sf := range files[:len(files)-1] {
		h, err := readHeader(sf.path)
		if err != nil {
			return err
		}
		if h.first != sf.first {
			return corrupt(sf.path, "header says it starts at %d", h.first)
		}
		st, err := os.Stat(sf.path)
		if err != nil {
			return err
		}
		l.segs = append(l.segs, segInfo{path: sf.path, first: h.first, firstTime: h.firstTime, size: st.Size()})
	}
	last := files[len(files)-1]
	var c chain
	s, size, err := scanFile(last.path, true, &c, &walker{}, nil)
	if err != nil {
		return err
	}
	if s.noHdr || s.hdr.first != last.first {
		// Segments are created complete (written, synced, then renamed).
		return corrupt(last.path, "the newest segment has no valid header")
	}
	filled := size // the zeros after the last record stay preallocated
	if s.torn > 0 {
		if err := truncate(last.path, int64(s.end)); err != nil {
			return err
		}
		l.recovered = int64(s.torn)
		filled = int64(s.end)
	}
	l.head, l.hash, l.seq = c.next-1, c.hash, c.seq
	l.segs = append(l.segs, segInfo{path: last.path, first: s.hdr.first, firstTime: s.hdr.firstTime, size: int64(s.end)})
	return l.openSegment(last.path, int64(s.end), filled)
}

func readHeader(path string) (header, error) {
	f, err := os.Open(path)
	if err != nil {
		return header{}, err
	}
	defer f.Close()
	b := make([]byte, maxHeaderLen)
	n, err := f.ReadAt(b, 0)
	if n == 0 && err != nil {
		return header{}, err
	}
	h, _, err := decodeHeader(b[:n])
	if err != nil {
		return header{}, corrupt(path, "%v", err)
	}
	return h, nil
}

func truncate(path string, size int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return err
	}
	return f.Sync()
}

// startSegment creates a segment complete with its header: written and
// synced under a temporary name, then renamed, so a reader never sees a
// partial header and a crash leaves no half-made segment.
func (l *Log) startSegment(h header) error {
	path := filepath.Join(l.opts.Dir, segName(h.first))
	tmp := path + ".tmp"
	hdr := h.encode()
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(hdr)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(l.opts.Dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("start segment %d: %w", h.first, err)
	}
	if err := l.openSegment(path, int64(len(hdr)), int64(len(hdr))); err != nil {
		return err
	}
	l.mu.Lock()
	l.segs = append(l.segs, segInfo{path: path, first: h.first, firstTime: h.firstTime, size: int64(len(hdr))})
	l.mu.Unlock()
	return nil
}

// openSegment makes path the open segment, its records ending at off and
// the file at filled.
func (l *Log) openSegment(path string, off, filled int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.fd, l.off, l.filled = f, int(f.Fd()), off, filled
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Stats is what the writer has done since Open.
type Stats struct {
	Batches  int64         // writes, each with one fdatasync
	Records  int64         // records written
	Syncing  time.Duration // spent in write and fdatasync
	Gathered time.Duration // spent holding batches open for expected appends
}

// Stats reports the writer's work since Open: Records/Batches is the mean
// batch, Syncing/Batches the mean write and sync.
func (l *Log) Stats() Stats {
	return Stats{
		Batches: l.stats.batches.Load(), Records: l.stats.records.Load(),
		Syncing: time.Duration(l.stats.syncNanos.Load()), Gathered: time.Duration(l.stats.waitNanos.Load()),
	}
}

// Recovered is how many bytes of torn tail Open truncated (0 after a clean
// shutdown): worth a log line, since it means a crash.
func (l *Log) Recovered() int64 { return l.recovered }

// Head returns the last record's index and hash ((0, zero) for an empty log).
func (l *Log) Head() (index uint64, hash [32]byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head, l.hash
}

// LastEventSeq is the highest EventSeq ever appended: a feeder of command
// events resumes after it.
func (l *Log) LastEventSeq() uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seq
}

// Failed is the write or sync error that stopped the log, nil while it
// accepts records.
func (l *Log) Failed() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// Size reports the log's bytes on disk, its segment count and when its
// oldest segment was begun, for metrics.
func (l *Log) Size() (bytes int64, segments int, oldest time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range l.segs {
		bytes += s.size
	}
	if len(l.segs) > 0 {
		oldest = l.segs[0].firstTime
	}
	return bytes, len(l.segs), oldest
}

// Close stops the writer (queued Appends fail with ErrClosed), closes the
// open segment and releases the directory.
func (l *Log) Close() error {
	l.closeOnce.Do(func() {
		close(l.closing)
		<-l.writerDone
		l.closeErr = l.f.Close()
		l.lock.Close()
	})
	return l.closeErr
}
