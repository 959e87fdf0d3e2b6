package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/hypo-registry/registry/handlers"
)

// Defaults of Config.
const (
	DefaultQuery          = "data.registry.authz.allow"
	DefaultReloadInterval = 5 * time.Second
)

// Config configures the engine.
type Config struct {
	// Path is a Rego file or a directory of them (REGISTRY_AUTHZ_POLICY).
	Path string
	// Query is the decision (REGISTRY_AUTHZ_POLICY_QUERY), default
	// DefaultQuery.
	Query string
	// Claims are the verified claims copied into input.caller.claims
	// (REGISTRY_AUTHZ_POLICY_CLAIMS); no other claim reaches the policy.
	Claims []string
	// ReloadInterval is how often Run looks for a change of the policy's
	// files (REGISTRY_AUTHZ_POLICY_RELOAD_INTERVAL), default
	// DefaultReloadInterval.
	ReloadInterval time.Duration
	// Logger is required.
	Logger *slog.Logger
	// Denied, when set, records a denial made through Check (the audit
	// record). An error is logged; the request stays denied.
	Denied func(ctx context.Context, in *Input, d Decision) error
	// Reloaded, when set, records every policy put in force, at start and
	// at each reload (the audit event). An error is logged.
	Reloaded func(ctx context.Context, r Reload) error
}

// Reload describes a policy put in force.
type Reload struct {
	Hash     string // sha256:<hex> of the loaded sources
	Previous string // the hash it replaced; empty at start
	Files    int
}

// Decision is the policy's answer to one Input.
type Decision struct {
	Allow bool
	// Reason is the policy's reason for a deny, or why the engine denied
	// (an evaluation error, an undefined decision).
	Reason string
	// Hash names the policy that decided (sha256:<hex>).
	Hash string
	// Failed is true when the engine denied because the policy could not
	// decide (an evaluation error, an undefined or malformed decision).
	Failed bool
}

// Engine evaluates the policy in force. A nil *Engine is "no policy": it
// allows everything, at no cost.
type Engine struct {
	cfg   Config
	cur   atomic.Pointer[compiled]
	stats counters
}

// Load reads and compiles the policy at cfg.Path. A policy that does not
// compile is an error naming the file and line of each problem.
func Load(ctx context.Context, cfg Config) (*Engine, error) {
	if cfg.Path == "" || cfg.Logger == nil {
		return nil, errors.New("policy: a path and a logger are required")
	}
	if cfg.Query == "" {
		cfg.Query = DefaultQuery
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	srcs, err := readSources(cfg.Path)
	if err != nil {
		return nil, err
	}
	c, err := compile(ctx, srcs, cfg.Query)
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: cfg}
	e.cur.Store(c)
	none := ""
	e.stats.lastFailed.Store(&none)
	e.stats.loaded.Store(time.Now().Unix())
	e.reloaded(ctx, Reload{Hash: c.hash, Files: len(srcs)})
	return e, nil
}

// Hash is the hash of the policy in force (sha256:<hex> of its sources);
// empty without a policy.
func (e *Engine) Hash() string {
	if e == nil {
		return ""
	}
	return e.cur.Load().hash
}

// Decide evaluates in under the policy in force.
func (e *Engine) Decide(ctx context.Context, in *Input) Decision {
	if e == nil {
		return Decision{Allow: true}
	}
	c := e.cur.Load()
	sh, keep := shapeOf(in)
	var known, learn bool
	if keep {
		var v shapeDecision
		if v, known = c.shapes.lookup(sh); known && v.constant {
			e.stats.count(in.EntryPoint, v.d)
			return v.d
		}
		learn = !known
	}
	d := c.decide(ctx, in.value(e.cfg.Claims))
	if d.Failed {
		e.cfg.Logger.Error("authorization policy: no decision, denied", "policy", c.hash,
			"entrypoint", in.EntryPoint, "route", in.Route, "topic", in.Topic, "error", d.Reason)
		d.Reason = "the authorization policy could not decide"
	} else if learn {
		// Once per shape; a failed decision is never kept.
		c.shapes.store(sh, shapeDecision{constant: c.constantFor(ctx, sh), d: d})
	}
	e.stats.count(in.EntryPoint, d)
	return d
}

// Check is Decide for the REST, Kafka and console entry points: a deny is
// handlers.ErrForbidden with the policy's reason, recorded by
// Config.Denied.
func (e *Engine) Check(ctx context.Context, in *Input) error {
	if e == nil {
		return nil
	}
	d := e.Decide(ctx, in)
	if d.Allow {
		return nil
	}
	if e.cfg.Denied != nil {
		if err := e.cfg.Denied(ctx, in, d); err != nil {
			e.cfg.Logger.Error("authorization policy: recording a denial", "policy", d.Hash, "error", err)
		}
	}
	return fmt.Errorf("%w: %s", handlers.ErrForbidden, DenyMessage(d))
}

// DenyMessage is what a caller is told of a deny: the policy's reason
// when it gave one.
func DenyMessage(d Decision) string {
	if d.Reason == "" {
		return "denied by the authorization policy"
	}
	return "denied by the authorization policy: " + d.Reason
}

func (e *Engine) reloaded(ctx context.Context, r Reload) {
	e.cfg.Logger.Info("authorization policy in force", "policy", r.Hash, "previous", r.Previous, "files", r.Files, "path", e.cfg.Path)
	if e.cfg.Reloaded == nil {
		return
	}
	if err := e.cfg.Reloaded(ctx, r); err != nil {
		e.cfg.Logger.Error("authorization policy: recording its reload", "policy", r.Hash, "error", err)
	}
}
