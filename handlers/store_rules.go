package handlers

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// CheckStoreAccess is what every SecretStore adapter checks before it
// touches its backend: a cancelled context, a malformed path or a caller of
// another tenant never get further. Paths are re-validated because a Path
// can be built as a struct literal, bypassing secretpath.New. For the
// embedded store the tenant check is the isolation itself; for Vault it is
// defence in depth under the tenant's policy.
func CheckStoreAccess(ctx context.Context, c Caller, p secretpath.Path) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if _, err := secretpath.New(p.Scope, p.Tenant, p.Name); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return CheckTenantAccess(c, p.Tenant)
}

// CheckTenantAccess refuses a caller without a tenant or of another tenant.
func CheckTenantAccess(c Caller, tenant string) error {
	if c.Tenant == "" {
		return fmt.Errorf("%w: caller has no tenant", ErrForbidden)
	}
	if c.Tenant != tenant {
		return fmt.Errorf("%w: caller's tenant may not access tenant %q", ErrForbidden, tenant)
	}
	return nil
}

// CheckSecretData refuses data JSON could not carry faithfully. Errors never
// name keys or values: both are the caller's secret.
func CheckSecretData(data SecretData) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: data is empty", ErrInvalid)
	}
	for k, v := range data {
		if k == "" {
			return fmt.Errorf("%w: data has an empty key", ErrInvalid)
		}
		// encoding/json would silently replace invalid UTF-8 with U+FFFD.
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%w: data holds a key or value that is not valid UTF-8", ErrInvalid)
		}
	}
	return nil
}
