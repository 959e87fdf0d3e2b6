package vaultstore

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/secretpath"
)

// guard runs before every operation: a cancelled context, a malformed path,
// a caller of another tenant or without a token never reach Vault. Paths
// are re-validated because a Path can be built as a struct literal. The
// tenant check is defence in depth: Vault's policy refuses it too.
func guard(ctx context.Context, c handlers.Caller, p secretpath.Path) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", handlers.ErrUnavailable, err)
	}
	if _, err := secretpath.New(p.Scope, p.Tenant, p.Name); err != nil {
		return fmt.Errorf("%w: %w", handlers.ErrInvalid, err)
	}
	return checkCaller(c, p.Tenant)
}

func checkCaller(c handlers.Caller, tenant string) error {
	switch {
	case c.Tenant == "":
		return fmt.Errorf("%w: caller has no tenant", handlers.ErrForbidden)
	case c.Tenant != tenant:
		return fmt.Errorf("%w: caller's tenant may not access tenant %q", handlers.ErrForbidden, tenant)
	case c.Token == "":
		return fmt.Errorf("%w: caller has no token to exchange", handlers.ErrUnauthenticated)
	}
	return nil
}

// checkData refuses data JSON could not carry faithfully. Errors never name
// keys or values: both are the caller's secret.
func checkData(data handlers.SecretData) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: data is empty", handlers.ErrInvalid)
	}
	for k, v := range data {
		if k == "" {
			return fmt.Errorf("%w: data has an empty key", handlers.ErrInvalid)
		}
		// encoding/json would silently replace invalid UTF-8 with U+FFFD.
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%w: data holds a key or value that is not valid UTF-8", handlers.ErrInvalid)
		}
	}
	return nil
}
