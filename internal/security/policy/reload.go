package policy

import (
	"context"
	"sync/atomic"
	"time"
)

// Run reloads the policy whenever its files change, every
// Config.ReloadInterval, until ctx is done. A reload that fails keeps the
// policy in force, logs why and counts it (Stats).
func (e *Engine) Run(ctx context.Context) {
	if e == nil {
		return
	}
	t := time.NewTicker(e.cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.Reload(ctx)
		}
	}
}

// Reload reads the policy's files again and, if they changed, compiles
// and puts them in force. changed is false when they are as loaded (or as
// last failed). On an error the policy in force stays.
func (e *Engine) Reload(ctx context.Context) (changed bool, err error) {
	srcs, err := readSources(e.cfg.Path)
	if err == nil {
		h := hashOf(srcs)
		switch h {
		case e.cur.Load().hash:
			// As in force: a broken edit may have been undone.
			e.stats.failing.Store(false)
			return false, nil
		case *e.stats.lastFailed.Load():
			return false, nil // reported already
		}
		e.stats.lastFailed.Store(&h)
		var c *compiled
		if c, err = compile(ctx, srcs, e.cfg.Query); err == nil {
			prev := e.cur.Swap(c)
			empty := ""
			e.stats.lastFailed.Store(&empty)
			e.stats.reloads.Add(1)
			e.stats.failing.Store(false)
			e.stats.loaded.Store(time.Now().Unix())
			e.reloaded(ctx, Reload{Hash: c.hash, Previous: prev.hash, Files: c.files})
			return true, nil
		}
	}
	e.stats.failedReloads.Add(1)
	e.stats.failing.Store(true)
	e.cfg.Logger.Error("authorization policy: reload failed, the last good policy stays in force",
		"policy", e.cur.Load().hash, "path", e.cfg.Path, "error", err)
	return false, err
}

// Stats are the engine's counters, for the operator metrics.
type Stats struct {
	Hash string
	// Reloads and FailedReloads count reloads after start.
	Reloads, FailedReloads uint64
	// Failing is true while the last reload attempt failed.
	Failing bool
	// LoadedAt is when the policy in force was loaded.
	LoadedAt time.Time
	// Decisions counts decisions by entry point and outcome.
	Decisions map[DecisionKey]uint64
}

// DecisionKey is an entry point and an outcome: allow, deny or error.
type DecisionKey struct{ EntryPoint, Outcome string }

// Outcomes of a decision in Stats.
const (
	OutcomeAllow = "allow"
	OutcomeDeny  = "deny"
	OutcomeError = "error"
)

// Stats returns the counters; zero without a policy.
func (e *Engine) Stats() Stats {
	if e == nil {
		return Stats{}
	}
	s := Stats{
		Hash: e.Hash(), Reloads: e.stats.reloads.Load(), FailedReloads: e.stats.failedReloads.Load(),
		Failing: e.stats.failing.Load(), LoadedAt: time.Unix(e.stats.loaded.Load(), 0),
		Decisions: map[DecisionKey]uint64{},
	}
	for i, ep := range entryPoints {
		for j, o := range outcomes {
			s.Decisions[DecisionKey{ep, o}] = e.stats.decisions[i][j].Load()
		}
	}
	return s
}

var (
	entryPoints = [...]string{EntryREST, EntryKafka, EntryToken, EntryConsole}
	outcomes    = [...]string{OutcomeAllow, OutcomeDeny, OutcomeError}
)

type counters struct {
	reloads, failedReloads atomic.Uint64
	failing                atomic.Bool
	loaded                 atomic.Int64
	// lastFailed is the hash of the sources that last failed to compile,
	// so a broken file is reported once, not at every interval.
	lastFailed atomic.Pointer[string]
	decisions  [len(entryPoints)][len(outcomes)]atomic.Uint64
}

func (c *counters) count(entryPoint string, d Decision) {
	i := 0
	switch entryPoint {
	case EntryKafka:
		i = 1
	case EntryToken:
		i = 2
	case EntryConsole:
		i = 3
	}
	j := 0
	switch {
	case d.Failed:
		j = 2
	case !d.Allow:
		j = 1
	}
	c.decisions[i][j].Add(1)
}
