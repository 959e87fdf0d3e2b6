package app

import (
	"context"

	"github.com/hypo-registry/registry/internal/bus"
)

// Bus exposes the command bus, so tests can send commands that have no REST
// route (a kubeconfig store arrives over Kafka) on the real path.
func (s *Service) Bus() *bus.Bus { return s.bus }

// Southbound is what the Kafka southbound sends its requests through:
// reads to the query path, changes to the bus.
func (s *Service) Southbound() interface {
	Send(ctx context.Context, msg any, env bus.Envelope) (bus.Reply, error)
} {
	return edgeSender{queries: s.queries, bus: s.bus}
}
