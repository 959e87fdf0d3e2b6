package app

import "github.com/hypo-registry/registry/internal/bus"

// Bus exposes the command bus, so tests can send commands that have no REST
// route (a kubeconfig store arrives over Kafka) on the real path.
func (s *Service) Bus() *bus.Bus { return s.bus }
