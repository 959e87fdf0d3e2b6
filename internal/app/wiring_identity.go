package app

import (
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
)

// defaultMount is the KV v2 mount tenant policies grant when none is
// configured: vaultstore's default, and with embedded secrets the mount of
// seed 000's Vault layout (the policies are records then, enforced by no
// one, but the same as a Vault deployment would get).
const defaultMount = "hypo"

// registerIdentityHandlers binds the group, policy and policy-group-flow
// commands to their handlers. Handler names are consumer identities: never
// rename one casually.
func registerIdentityHandlers(b *bus.Bus, admin handlers.IdentityAdmin, cfg Config) error {
	mount := cfg.Vault.Mount
	if mount == "" {
		mount = defaultMount
	}
	az := cfg.authzConfig()
	id, err := handlers.NewIdentity(admin, handlers.IdentityRoles{Admin: az.AdminRole, Platform: az.PlatformAdminRole}, mount)
	if err != nil {
		return err
	}
	for _, err := range []error{
		bus.Handle(b, "identity.group.create", id.CreateGroup),
		bus.Handle(b, "identity.group.get", id.GetGroup),
		bus.Handle(b, "identity.group.update", id.UpdateGroup),
		bus.Handle(b, "identity.group.delete", id.DeleteGroup),
		bus.Handle(b, "identity.policy.create", id.CreatePolicy),
		bus.Handle(b, "identity.policy.get", id.GetPolicy),
		bus.Handle(b, "identity.policy.update", id.UpdatePolicy),
		bus.Handle(b, "identity.policy.delete", id.DeletePolicy),
		bus.Handle(b, "identity.tenant.provision", id.ProvisionTenant),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}
