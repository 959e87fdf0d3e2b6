package bolt

import (
	"context"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// guard runs before every operation (see handlers.CheckStoreAccess): the
// tenant check is the embedded store's stand-in for Vault's ACL policies.
func guard(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	return handlers.CheckStoreAccess(ctx, c, p)
}

func checkTenant(c handlers.Caller, tenant string) error {
	return handlers.CheckTenantAccess(c, tenant)
}

func checkData(data handlers.SecretData) error { return handlers.CheckSecretData(data) }
