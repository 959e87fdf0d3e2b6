// Package batchdelay is the pause a reader of a log takes after new
// entries arrive, so that its next write (one fdatasync) takes more of
// them, and which a caller waiting for the reader to catch up cuts short:
// the delay saves syncs when nobody waits, never time a caller waits for.
// The projections runner and the audit feed use it.
package batchdelay

import (
	"context"
	"sync/atomic"
	"time"
)

// Delay is one reader's pause. Its zero value is not usable: see New.
type Delay struct {
	d       time.Duration
	waiting atomic.Int64  // callers inside Wait
	hurry   chan struct{} // Wait cuts a Pause short through it
}

// New returns a pause of d; zero or less pauses not at all.
func New(d time.Duration) *Delay { return &Delay{d: d, hurry: make(chan struct{}, 1)} }

// Set changes the pause. Call it before the reader runs.
func (g *Delay) Set(d time.Duration) { g.d = d }

// Pause waits out the delay: not at all while a caller is inside Wait, and
// no longer once one enters it. It returns false when ctx ends.
func (g *Delay) Pause(ctx context.Context) bool {
	if g.d <= 0 {
		return true
	}
	// Drain a stale wake-up before reading the count: a waiter counts
	// itself and then signals, so one that arrives after the check below
	// still finds hurry empty and wakes the select.
	select {
	case <-g.hurry:
	default:
	}
	if g.waiting.Load() > 0 {
		return true
	}
	t := time.NewTimer(g.d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-g.hurry:
	case <-ctx.Done():
		return false
	}
	return true
}

// Wait counts the caller as waiting for the reader, ending a Pause under
// way, until the function it returns is called.
func (g *Delay) Wait() (done func()) {
	g.waiting.Add(1)
	select {
	case g.hurry <- struct{}{}:
	default: // a wake-up is already pending
	}
	return func() { g.waiting.Add(-1) }
}
