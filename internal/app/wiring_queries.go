package app

import (
	"context"
	"errors"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
)

// read registers a read on the query path, where REST and /token call it
// directly, and on the bus, where the Kafka translators still send it as a
// command (its record position is the command id that answers a
// redelivered record once).
func read[Q handlers.Command](b *bus.Bus, q *query.Dispatcher, name string, h func(context.Context, Q) (handlers.Result, error)) error {
	return errors.Join(bus.Handle(b, name, h), query.Handle(q, name, h))
}
