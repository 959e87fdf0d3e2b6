package app

import (
	"context"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
)

// read registers a read on the query path, where every edge calls it
// directly: REST, /token and the Kafka southbound (see edgeSender). It
// never travels the bus.
func read[Q handlers.Command](q *query.Dispatcher, name string, h func(context.Context, Q) (handlers.Result, error)) error {
	return query.Handle(q, name, h)
}

// edgeSender is what an edge that carries both reads and changes (the
// Kafka southbound) sends through: a query is called directly, a command
// goes on the bus. A redelivered query record is answered again (and
// audited again); a redelivered command is answered from its stored reply.
type edgeSender struct {
	queries *query.Dispatcher
	bus     *bus.Bus
}

// stateChanger is a request that is a read or a change depending on its
// fields (a repo credential request that stores a scheduler namespace).
type stateChanger interface{ ChangesState() bool }

func (e edgeSender) Send(ctx context.Context, msg any, env bus.Envelope) (bus.Reply, error) {
	if sc, ok := msg.(stateChanger); ok && sc.ChangesState() {
		return e.bus.Send(ctx, msg, env)
	}
	if e.queries.Handles(msg) {
		return e.queries.Send(ctx, msg, env)
	}
	return e.bus.Send(ctx, msg, env)
}

// announceReads announces every GET and HEAD, the methods of the REST reads
// and of /token, to the audit as it arrives (query.Dispatcher.Announce):
// concurrent reads then share a sync of the audit log.
func announceReads(q *query.Dispatcher, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		ctx, a := q.Announce(r.Context())
		defer a.End()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
