package vaultconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// HoldOff is how long requests fail fast after Vault left one unanswered
// for the whole timeout: the requests of a burst, or the further Vault
// requests of a failing command, do not each wait the timeout out again;
// Vault coming back is noticed within it. REST answers 503 with
// Retry-After: 1 to match. Refused connections and error statuses are fast
// by themselves and do not hold requests off. Both kinds of StallError are
// handlers.ErrTimeout, which the bus does not retry.
const HoldOff = time.Second

// errTimedOut is the cause of a context ended by WithTimeout: what waited
// on it sees unavailability not to be retried at once.
var errTimedOut error = timedOut{}

type timedOut struct{}

func (timedOut) Error() string   { return "vault did not answer in time" }
func (timedOut) Unwrap() []error { return []error{handlers.ErrUnavailable, handlers.ErrTimeout} }

// WithTimeout bounds ctx by d for Vault requests. A request ended by it
// counts as Vault not answering; one ended by another deadline, or
// cancelled, does not. context.Cause of the context it ended is
// ErrUnavailable and handlers.ErrTimeout.
func WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d, errTimedOut)
}

// StallError is a request Vault did not answer within the timeout, or, with
// NotSent, one not sent at all because another went unanswered within the
// last HoldOff.
type StallError struct {
	Timeout time.Duration
	NotSent bool
}

func (e *StallError) Error() string {
	if e.NotSent {
		return fmt.Sprintf("vault left a request unanswered for %s less than %s ago: not asked again yet", e.Timeout, HoldOff)
	}
	return fmt.Sprintf("vault did not answer within %s", e.Timeout)
}

// Unwrap: unavailable, and not to be retried at once (handlers.ErrTimeout).
func (e *StallError) Unwrap() []error { return []error{handlers.ErrUnavailable, handlers.ErrTimeout} }

// guard bounds each request by timeout and holds requests off after one
// timed out.
type guard struct {
	next    http.RoundTripper
	timeout time.Duration
	stalled atomic.Int64 // unix nanoseconds when a request last timed out
}

func newGuard(next http.RoundTripper, timeout time.Duration) *guard {
	return &guard{next: next, timeout: timeout}
}

// heldOff is the error of a request not sent because one went unanswered
// less than HoldOff ago, nil when requests may go.
func (g *guard) heldOff() error {
	if last := g.stalled.Load(); last != 0 && time.Since(time.Unix(0, last)) < HoldOff {
		return &StallError{Timeout: g.timeout, NotSent: true}
	}
	return nil
}

// stall records that Vault left a request unanswered for the whole
// timeout, holding requests off for HoldOff, and returns its error.
func (g *guard) stall() error {
	g.stalled.Store(time.Now().UnixNano())
	return &StallError{Timeout: g.timeout}
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := g.heldOff(); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	ctx, cancel := WithTimeout(req.Context(), g.timeout)
	start := time.Now()
	resp, err := g.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		// Our deadline, or an enclosing one that fired at (about) the same
		// time (the operation's equals ours): Vault left the request
		// unanswered for the whole timeout. A caller that cancelled, or
		// whose own shorter deadline ended it, is no stall: holding every
		// tenant off for it would be wrong.
		timedOut := errors.Is(context.Cause(ctx), errTimedOut) ||
			errors.Is(ctx.Err(), context.DeadlineExceeded) && time.Since(start) >= g.timeout*9/10
		if timedOut {
			return nil, g.stall()
		}
		return nil, err
	}
	// The body is read after RoundTrip returns: the deadline ends with it.
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// NoAnswer is a request that got no answer from Vault (refused, reset,
// timed out, held off) as ErrUnavailable. The request's URL is left out:
// it names a storage path, which callers are never shown.
func NoAnswer(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, handlers.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: no answer from vault: %w", handlers.ErrUnavailable, err)
}
