package bus

import (
	"errors"
	"fmt"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Config tunes the command bus. The zero value is usable: every field has a
// default, applied by New.
type Config struct {
	// ReplyTimeout bounds how long a caller waits for a command's reply.
	// Default 15s.
	ReplyTimeout time.Duration
	// HandlerTimeout bounds one command's handling, retries included.
	// Default 10s; it must be below ReplyTimeout so a caller always gets the
	// handler's own answer rather than a timeout.
	HandlerTimeout time.Duration
	// MaxRetries is how often a transient failure (handlers.ErrUnavailable)
	// is retried. Default 3. Other errors are never retried.
	MaxRetries int
	// RetryInitialInterval is the first backoff. Default 50ms, doubling up
	// to RetryMaxInterval (default 1s), without jitter: with the defaults
	// the retries wait 50, 100 and 200 ms. Their sum (RetryWait) may not
	// exceed MaxRetryWait.
	RetryInitialInterval time.Duration
	RetryMaxInterval     time.Duration
	// ReplyRetention is how long a command's reply is kept for
	// deduplication. Default 24h.
	ReplyRetention time.Duration
	// PoisonTopic receives commands that failed for good. Default
	// events.TopicPoison.
	PoisonTopic string
	// Failpoint, for tests only, is called at every step of a command
	// (handlers.Step*); an error makes the process "die" there. Nil in
	// production.
	Failpoint handlers.Failpoint `json:"-"`
}

// WithDefaults returns c with every unset field at its default.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.ReplyTimeout, 15*time.Second)
	def(&c.HandlerTimeout, 10*time.Second)
	def(&c.RetryInitialInterval, 50*time.Millisecond)
	def(&c.RetryMaxInterval, time.Second)
	def(&c.ReplyRetention, 24*time.Hour)
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	}
	if c.PoisonTopic == "" {
		c.PoisonTopic = events.TopicPoison
	}
}

// MaxRetryWait bounds the backoffs of one command's retries together: a
// backend that fails fast (refused, sealed, 5xx) is answered within its
// attempts plus this, and one that hangs within its own timeout plus this
// (README, "Failure answers": REGISTRY_VAULT_TIMEOUT plus about a second).
const MaxRetryWait = time.Second

// RetryWait is how long a command that fails transiently every time waits
// between its attempts in total: RetryInitialInterval doubled per retry,
// capped at RetryMaxInterval, summed over MaxRetries.
func (c Config) RetryWait() time.Duration {
	var total time.Duration
	wait := c.RetryInitialInterval
	for range c.MaxRetries {
		total += min(wait, c.RetryMaxInterval)
		wait *= 2
	}
	return total
}

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.HandlerTimeout >= c.ReplyTimeout {
		errs = append(errs, fmt.Errorf("bus: HandlerTimeout (%s) must be below ReplyTimeout (%s)", c.HandlerTimeout, c.ReplyTimeout))
	}
	if c.MaxRetries < 0 || c.MaxRetries > 10 {
		errs = append(errs, fmt.Errorf("bus: MaxRetries %d out of range 0..10", c.MaxRetries))
	}
	if c.RetryInitialInterval < 0 || c.RetryMaxInterval < c.RetryInitialInterval {
		errs = append(errs, errors.New("bus: retry intervals must be positive and RetryMaxInterval >= RetryInitialInterval"))
	}
	if w := c.RetryWait(); w > MaxRetryWait {
		errs = append(errs, fmt.Errorf("bus: %d retries from %s wait %s in total, more than %s", c.MaxRetries, c.RetryInitialInterval, w, MaxRetryWait))
	}
	return errors.Join(errs...)
}
