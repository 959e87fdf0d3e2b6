package eventlog

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for Options. The batch settings matter: with bbolt's own defaults
// (1,000 calls, 10 ms) a few dozen concurrent writers never fill a batch and
// every commit waits the full delay; 128 calls or 2 ms keeps group commit
// without that stall.
const (
	DefaultMaxBatchSize  = 128
	DefaultMaxBatchDelay = 2 * time.Millisecond
	DefaultTimeout       = time.Second
)

// Options configures Open. Zero values take the defaults above.
type Options struct {
	// MaxBatchSize is how many concurrent Commit calls bbolt groups into one
	// transaction (one fsync) at most.
	MaxBatchSize int
	// MaxBatchDelay is how long the first Commit of a batch waits for others
	// to join it before the transaction starts.
	MaxBatchDelay time.Duration
	// Timeout is how long Open waits for the file lock; another process
	// (a running registryd) holding it makes Open fail after this long.
	Timeout time.Duration
	// ReadOnly opens the log for reading only (a shared lock), as the
	// operator CLI does. Commit and PruneReplies then fail.
	ReadOnly bool
}

// Validate reports every invalid field at once.
func (o Options) Validate() error {
	var errs []error
	if o.MaxBatchSize < 0 {
		errs = append(errs, fmt.Errorf("MaxBatchSize %d is negative", o.MaxBatchSize))
	}
	if o.MaxBatchDelay < 0 {
		errs = append(errs, fmt.Errorf("MaxBatchDelay %s is negative", o.MaxBatchDelay))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Timeout %s is negative", o.Timeout))
	}
	return errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.MaxBatchSize == 0 {
		o.MaxBatchSize = DefaultMaxBatchSize
	}
	if o.MaxBatchDelay == 0 {
		o.MaxBatchDelay = DefaultMaxBatchDelay
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}
