package auditlog

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for Options.
const (
	DefaultSegmentBytes = 64 << 20
	DefaultSegmentAge   = 24 * time.Hour
	DefaultMaxBatch     = 1024
	DefaultCommitDelay  = 2 * time.Millisecond
	minHold             = 20 * time.Microsecond
	// maxQuiet is the longest a busy log's hold waits for an arrival with
	// nothing announced: about the time between two arrivals of a busy
	// edge, and short beside a sync, so that a hold with nobody left to
	// come (every caller already in the batch) costs little.
	maxQuiet = 100 * time.Microsecond
)

// Options configures Open. Zero values take the defaults above.
type Options struct {
	// Dir holds the segments, e.g. <data-dir>/audit; created if missing.
	Dir string
	// Source is the instance's CloudEvents source, stored once per segment
	// header, not per record.
	Source string
	// SegmentBytes: a segment past this size is sealed and a new one begun
	// before the next batch is written.
	SegmentBytes int64
	// SegmentAge: a segment begun longer ago than this is sealed, so that
	// retention by age works on a quiet log too.
	SegmentAge time.Duration
	// MaxBatch bounds how many entries share one write and one fdatasync
	// (one Append is never split, so a single large Append may exceed it).
	MaxBatch int
	// CommitDelay bounds how long the writer holds a batch open, for
	// appends announced with Expect or, when the previous batch held more
	// than one append (the log is busy), for whatever keeps arriving (0:
	// DefaultCommitDelay; negative: never wait). Within it the hold is the
	// time about four more entries take to arrive at the measured rate
	// (see arrivalRate.hold). A lone caller on a quiet log is written at once.
	CommitDelay time.Duration
	// HoldAlways holds batches whenever CommitDelay allows, whatever the
	// CPU. By default a batch is held only while the CPU is short: this
	// process used at least seven tenths of its Cores, or the machine's
	// CPUs were busy nine tenths of the time, over the last 100 ms (see
	// cpuGauge). Tests that need a hold set it.
	HoldAlways bool
	// Cores is how many cores this process may use, for the CPU gauge
	// (0: GOMAXPROCS).
	Cores float64
	// Retention: sealed, exported segments sealed longer ago than this are
	// removed by Enforce; 0 keeps them forever.
	Retention time.Duration
	// MaxBytes: Enforce removes sealed, exported segments, oldest first,
	// while the log is larger than this; 0 is unbounded.
	MaxBytes int64
	// Now is the clock for segment times and retention; time.Now if nil.
	Now func() time.Time

	// quiet, when set (tests do), is the quiet gap itself, whatever the
	// measured rate; 0 is arrivalRate.quiet's, at most maxQuiet.
	quiet time.Duration
	// cpu, when set (tests do), samples CPU use instead of getrusage and
	// /proc/stat.
	cpu func() cpuSample
}

// Validate reports every invalid field at once.
func (o Options) Validate() error {
	var errs []error
	if o.Dir == "" {
		errs = append(errs, errors.New("Dir is empty"))
	}
	if len(o.Source) > maxSourceLen {
		errs = append(errs, fmt.Errorf("Source is longer than %d bytes", maxSourceLen))
	}
	if o.SegmentBytes < 0 || o.SegmentAge < 0 || o.MaxBatch < 0 || o.Retention < 0 || o.MaxBytes < 0 || o.Cores < 0 {
		errs = append(errs, errors.New("SegmentBytes, SegmentAge, MaxBatch, Retention, MaxBytes and Cores must not be negative"))
	}
	return errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = DefaultSegmentBytes
	}
	if o.SegmentAge == 0 {
		o.SegmentAge = DefaultSegmentAge
	}
	if o.CommitDelay == 0 {
		o.CommitDelay = DefaultCommitDelay
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
