// Package query is the read path: secret and kubeconfig reads, lists,
// terminal and registry tokens and virtual-host reads. A query changes no
// state, so it does not travel the command bus (no message, no stored
// reply, no deduplication): its handler is called directly, and its audit
// records are appended to the audit trail, which many concurrent queries
// share one sync of. The answer leaves only once its audit record is
// durable; when the audit cannot be written the caller gets
// handlers.ErrUnavailable and nothing else (fail closed).
//
// The Dispatcher answers like the bus (bus.Reply), so an edge sends a
// query exactly as it sends a command.
package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
)

// Audit makes a query's audit records durable. Record returns only once
// they are (or with an error, and then the query's answer is withheld).
//
// Expect announces, as a query begins, the Record that will end it, so that
// the audit can hold a sync for queries already at work and write them
// together (auditlog.Log.Expect). Each Expect is followed by exactly one
// Record, or by Unexpect when the query ends without one.
type Audit interface {
	Expect()
	Record(ctx context.Context, m Meta, outcomes []events.Outcome) error
	Unexpect()
}

// Meta is what the audit trail knows of a query besides its outcomes.
type Meta struct {
	Query         string // the handler's name, e.g. imagepull.get
	CorrelationID string
	Caller        handlers.Caller
}

// Dispatcher runs query handlers by the query's type.
type Dispatcher struct {
	routes map[reflect.Type]route
	audit  Audit
	cfg    bus.Config
	logger *slog.Logger
}

type route struct {
	name string
	run  func(context.Context, any) (handlers.Result, error)
}

// New returns a dispatcher auditing through audit. cfg's handler timeout
// and retry settings apply to queries as they do to commands.
func New(audit Audit, cfg bus.Config, logger *slog.Logger) (*Dispatcher, error) {
	if audit == nil || logger == nil {
		return nil, errors.New("query: audit and logger are required")
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return &Dispatcher{routes: map[reflect.Type]route{}, audit: audit, cfg: cfg, logger: logger}, nil
}

// Handle registers h for queries of type Q, sent as Q or *Q. name names
// the query in the audit trail.
func Handle[Q handlers.Command](d *Dispatcher, name string, h func(context.Context, Q) (handlers.Result, error)) error {
	if h == nil || name == "" {
		return fmt.Errorf("query: handler %q is nil or unnamed", name)
	}
	t := reflect.TypeFor[Q]()
	if _, dup := d.routes[t]; dup {
		return fmt.Errorf("query: %s registered twice", t)
	}
	run := func(ctx context.Context, q any) (handlers.Result, error) {
		switch v := q.(type) {
		case Q:
			return h(ctx, v)
		case *Q:
			return h(ctx, *v)
		}
		return handlers.Result{}, fmt.Errorf("query %s: got %T", name, q)
	}
	d.routes[t] = route{name: name, run: run}
	d.routes[reflect.PointerTo(t)] = route{name: name, run: run}
	return nil
}

// Handles reports whether q is a query this dispatcher runs.
func (d *Dispatcher) Handles(q any) bool {
	_, ok := d.routes[reflect.TypeOf(q)]
	return ok
}

// Send runs q and returns its reply as the bus would: a handler error is
// the Reply's Error, err is for the dispatcher itself (an unknown query
// type, an unreadable reply).
func (d *Dispatcher) Send(ctx context.Context, q any, env bus.Envelope) (bus.Reply, error) {
	v, rerr, err := d.Ask(ctx, q, env)
	if err != nil || rerr != nil {
		return bus.Reply{Error: rerr}, err
	}
	return dataReply(v)
}

// Ask runs q as Send does but returns the handler's reply as the Go value
// it is: an edge that reads the reply itself (the /token adapter) needs no
// encoding inside the process. A handler error is rerr.
func (d *Dispatcher) Ask(ctx context.Context, q any, env bus.Envelope) (reply any, rerr *bus.ReplyError, err error) {
	rt, ok := d.routes[reflect.TypeOf(q)]
	if !ok {
		return nil, nil, fmt.Errorf("query: no handler for %T", q)
	}
	who, _ := q.(handlers.Command)
	var caller handlers.Caller
	if who != nil {
		caller = who.Who()
	}
	meta := Meta{Query: rt.name, CorrelationID: env.CorrelationID, Caller: caller}

	ctx, cancel := context.WithTimeout(ctx, d.cfg.HandlerTimeout)
	defer cancel()
	if a, ok := ctx.Value(announcementKey{}).(*Announcement); !ok || !a.taken.CompareAndSwap(false, true) {
		d.audit.Expect() // else the request's announcement becomes the query's
	}
	recording := false
	defer func() {
		if !recording { // the handler panicked
			d.audit.Unexpect()
		}
	}()
	res, err := d.run(ctx, rt, q)
	recording = true
	if err != nil {
		d.recordRejection(ctx, meta, err)
		return nil, errorReply(err).Error, nil
	}
	if err := d.audit.Record(ctx, meta, res.Events); err != nil {
		d.logger.Error("query answer withheld: its audit record is not durable", "query", rt.name,
			"correlation_id", env.CorrelationID, "error", err)
		return nil, errorReply(fmt.Errorf("%w: audit log: %v", handlers.ErrUnavailable, err)).Error, nil
	}
	return res.Reply, nil, nil
}

// Announcement is a request's Expect, made as the request arrives (see
// Announce) rather than when it reaches its query.
type Announcement struct {
	audit Audit
	taken atomic.Bool // by the request's query, or by End
}

type announcementKey struct{}

// Announce tells the audit, as a request that will ask a query arrives,
// that its record is on the way: an edge calls it before the work that
// precedes the query (reading and authenticating an HTTP request costs
// more than reading a secret from the embedded store), so the audit holds
// its next sync for the requests already at work, not only for queries
// already running. The query the request asks takes the announcement
// over; End withdraws it if none did, and must be called once the request
// is answered.
func (d *Dispatcher) Announce(ctx context.Context) (context.Context, *Announcement) {
	a := &Announcement{audit: d.audit}
	d.audit.Expect()
	return context.WithValue(ctx, announcementKey{}, a), a
}

// End withdraws the announcement unless a query took it over.
func (a *Announcement) End() {
	if a.taken.CompareAndSwap(false, true) {
		a.audit.Unexpect()
	}
}

// run calls the handler, retrying a transient failure with the bus's
// backoff (bus.Config.RetryWait bounds the waits together).
func (d *Dispatcher) run(ctx context.Context, rt route, q any) (handlers.Result, error) {
	wait := d.cfg.RetryInitialInterval
	for attempt := 0; ; attempt++ {
		res, err := rt.run(ctx, q)
		if err == nil || !handlers.Transient(err) || attempt >= d.cfg.MaxRetries {
			return res, err
		}
		t := time.NewTimer(min(wait, d.cfg.RetryMaxInterval))
		select {
		case <-ctx.Done():
			t.Stop()
			return res, err
		case <-t.C:
		}
		wait *= 2
	}
}

// recordRejection audits a refused query (who tried to read what, and
// why), as the bus does for a refused command. The refusal is answered
// whatever becomes of its record: it gives the caller nothing.
func (d *Dispatcher) recordRejection(ctx context.Context, m Meta, err error) {
	rej := errorReply(err).Error
	o := events.Outcome{
		Type: events.CommandRejected, Tenant: m.Caller.Tenant, Subject: m.Caller.Tenant,
		Data: map[string]any{"command": m.Query, "reason": rej.Kind, "message": rej.Message},
	}
	if aerr := d.audit.Record(context.WithoutCancel(ctx), m, []events.Outcome{o}); aerr != nil {
		d.logger.Warn("refused query not audited", "query", m.Query, "correlation_id", m.CorrelationID, "error", aerr)
	}
}

func errorReply(err error) bus.Reply {
	return bus.Reply{Error: &bus.ReplyError{Kind: bus.KindOf(err), Message: bus.PublicMessage(err)}}
}

// jsonAppender is a reply that writes its own JSON, the bytes json.Marshal
// would write (handlers.RegistryCredential).
type jsonAppender interface {
	AppendJSON([]byte) ([]byte, error)
}

func dataReply(v any) (bus.Reply, error) {
	switch v := v.(type) {
	case nil:
		return bus.Reply{}, nil
	case json.RawMessage:
		return bus.Reply{Data: v}, nil
	case jsonAppender:
		b, err := v.AppendJSON(make([]byte, 0, 256))
		if err != nil {
			return bus.Reply{}, fmt.Errorf("query: marshal reply: %w", err)
		}
		return bus.Reply{Data: b}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return bus.Reply{}, fmt.Errorf("query: marshal reply: %w", err)
	}
	return bus.Reply{Data: b}, nil
}
