package app

import (
	"errors"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/projections/owners"
)

// registerHandlers binds every command to its handler. Handler names are
// consumer identities: never rename one casually.
func registerHandlers(b *bus.Bus, q *query.Dispatcher, store handlers.SecretStore, opts []handlers.CredentialOption) error {
	ip, err := handlers.NewImagePullSecrets(store, opts...)
	if err != nil {
		return err
	}
	pr, err := handlers.NewPackageRegistrySecrets(store, opts...)
	if err != nil {
		return err
	}
	fs, err := handlers.NewFabricSecrets(store, opts...)
	if err != nil {
		return err
	}
	for _, err := range []error{
		bus.Handle(b, "imagepull.create", ip.Create),
		read(q, "imagepull.get", ip.Get),
		read(q, "imagepull.list", ip.List),
		read(q, "imagepull.describe", ip.Describe),
		bus.Handle(b, "imagepull.update", ip.Update),
		bus.Handle(b, "imagepull.delete", ip.Delete),
		bus.Handle(b, "packageregistry.create", pr.Create),
		read(q, "packageregistry.get", pr.Get),
		read(q, "packageregistry.list", pr.List),
		read(q, "packageregistry.describe", pr.Describe),
		bus.Handle(b, "packageregistry.update", pr.Update),
		bus.Handle(b, "packageregistry.delete", pr.Delete),
		bus.Handle(b, "fabric.create", fs.Create),
		read(q, "fabric.get", fs.Get),
		read(q, "fabric.list", fs.List),
		read(q, "fabric.describe", fs.Describe),
		bus.Handle(b, "fabric.update", fs.Update),
		bus.Handle(b, "fabric.delete", fs.Delete),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// credentialOptions configure the credential resources: list names as
// created from the owners projection, and owner-only writes when
// REGISTRY_AUTHZ_OWNER_ONLY is on, over the same projection, for the admin
// and platform admin roles the Authorizer gives an admin.
func (s *Service) credentialOptions() ([]handlers.CredentialOption, error) {
	view, err := owners.NewView(s.projDB)
	if err != nil {
		return nil, err
	}
	names, err := owners.NewNames(view, s.WaitProjections)
	if err != nil {
		return nil, err
	}
	opts := []handlers.CredentialOption{handlers.ListNames(names)}
	az := s.cfg.authzConfig()
	if !az.OwnerOnly {
		return opts, nil
	}
	lookup, err := owners.NewLookup(view, s.WaitProjections)
	if err != nil {
		return nil, err
	}
	return append(opts, handlers.OwnerOnly(lookup, az.AdminRole, az.PlatformAdminRole)), nil
}

// Projections lists the read models the service keeps, fed from the event
// log; registryctl audit replay rebuilds the same list: the virtual hosts,
// the role mappings, the secrets' owners and the registry refresh grants. The audit trail is not one of
// them: it is the audit log (auditlog), which the command events are
// appended to as they commit (auditFeed) and the queries' records directly.
func Projections() []projections.Projection { return projectionsFor(nil, nil) }

// projectionsFor is Projections with the virtual-host projection telling
// beats, the heartbeats the handlers show ahead of it, what it applied,
// and hosts, the handlers' decoded hosts, which hosts it changed.
func projectionsFor(beats *vhost.Beats, hosts *vhost.HostCache) []projections.Projection {
	return []projections.Projection{vhost.NewProjection(beats, hosts), rolemap.Projection{}, owners.Projection{}, registrytoken.RefreshProjection{}}
}

// registerRoleMappings binds the role-mapping commands (seed 002) to their
// handlers over the projection in db. Handler names are consumer
// identities: never rename one casually.
func registerRoleMappings(b *bus.Bus, db *bolt.DB, adminRole string) (*rolemap.View, error) {
	view, err := rolemap.NewView(db)
	if err != nil {
		return nil, err
	}
	h, err := rolemap.NewHandlers(view, adminRole)
	if err != nil {
		return nil, err
	}
	return view, errors.Join(
		bus.Handle(b, "rolemapping.list", h.List),
		bus.Handle(b, "rolemapping.get", h.Get),
		bus.Handle(b, "rolemapping.create", h.Create),
		bus.Handle(b, "rolemapping.update", h.Update),
		bus.Handle(b, "rolemapping.delete", h.Delete),
	)
}
