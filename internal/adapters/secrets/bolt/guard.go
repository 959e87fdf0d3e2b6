package bolt

import (
	"context"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// guard runs before every operation (secretpath.CheckAccess): the
// tenant check is the embedded store's stand-in for Vault's ACL policies.
func guard(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	return secretpath.CheckAccess(ctx, c.Tenant, p, handlers.StoreRefusals)
}

func checkTenant(c handlers.Caller, tenant string) error {
	return secretpath.CheckCallerTenant(c.Tenant, tenant, handlers.StoreRefusals)
}

func checkData(data handlers.SecretData) error {
	return secretpath.CheckData(data, handlers.StoreRefusals)
}
