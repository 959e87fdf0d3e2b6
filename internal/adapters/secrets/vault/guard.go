package vault

import (
	"context"
	"fmt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// guard runs before every operation (secretpath.CheckAccess); a
// caller without a token to exchange never reaches Vault either.
func guard(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	if err := secretpath.CheckAccess(ctx, c.Tenant, p, handlers.StoreRefusals); err != nil {
		return err
	}
	return checkToken(c)
}

func checkCaller(c handlers.Caller, tenant string) error {
	if err := secretpath.CheckCallerTenant(c.Tenant, tenant, handlers.StoreRefusals); err != nil {
		return err
	}
	return checkToken(c)
}

func checkToken(c handlers.Caller) error {
	if c.Token == "" {
		return fmt.Errorf("%w: caller has no token to exchange", handlers.ErrUnauthenticated)
	}
	return nil
}

func checkData(data handlers.SecretData) error {
	return secretpath.CheckData(data, handlers.StoreRefusals)
}
