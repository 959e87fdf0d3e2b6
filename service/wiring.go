package service

import (
	"github.com/hypo-registry/registry/bus"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/redact"
)

// registerHandlers binds every command to its handler. Handler names are
// consumer identities: never rename one casually.
func registerHandlers(b *bus.Bus, store handlers.SecretStore) error {
	ip, err := handlers.NewImagePullSecrets(store)
	if err != nil {
		return err
	}
	for _, err := range []error{
		bus.Handle(b, "imagepull.create", ip.Create),
		bus.Handle(b, "imagepull.get", ip.Get),
		bus.Handle(b, "imagepull.list", ip.List),
		bus.Handle(b, "imagepull.update", ip.Update),
		bus.Handle(b, "imagepull.delete", ip.Delete),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// Projections lists every projection the service keeps; registryctl audit
// replay rebuilds the same list.
func Projections(h *redact.Hasher) []projections.Projection {
	return []projections.Projection{projections.NewAudit(h)}
}
