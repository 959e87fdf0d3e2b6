package bolt

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for Options.
const (
	DefaultMaxBatchSize = 256
	DefaultTimeout      = time.Second
)

// Options configures Open. Zero values take the defaults above.
type Options struct {
	// MaxBatchSize is how many queued Commit calls share one transaction
	// (one fsync) at most. There is no batch delay: a commit waits only for
	// the transaction before it (bbolt's Batch waits a fixed delay, which
	// caps a few dozen writers at a few thousand commits a second).
	MaxBatchSize int
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
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Timeout %s is negative", o.Timeout))
	}
	return errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.MaxBatchSize == 0 {
		o.MaxBatchSize = DefaultMaxBatchSize
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}
