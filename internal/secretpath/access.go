package secretpath

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Refusals are the errors the access rules below wrap: a store passes its
// port's sentinels (handlers.StoreRefusals), so its callers map a refusal
// like any other error of the port, while the rules live here, below both
// the port and its adapters.
type Refusals struct {
	// Invalid: a malformed path or secret data; nothing was touched.
	Invalid error
	// Forbidden: a caller without a tenant or of another tenant.
	Forbidden error
	// Unavailable: the caller's context is done.
	Unavailable error
}

// CheckAccess is what every secret store checks before it touches its
// backend: a cancelled context, a malformed path or a caller (of tenant
// callerTenant) of another tenant never get further. Paths are re-validated
// because a Path can be built as a struct literal, bypassing New. For the
// embedded store the tenant check is the isolation itself; for Vault it is
// defence in depth under the tenant's policy.
func CheckAccess(ctx context.Context, callerTenant string, p Path, r Refusals) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", r.Unavailable, err)
	}
	if _, err := New(p.Scope, p.Tenant, p.Name); err != nil {
		return fmt.Errorf("%w: %w", r.Invalid, err)
	}
	return CheckCallerTenant(callerTenant, p.Tenant, r)
}

// CheckCallerTenant refuses a caller without a tenant or of another tenant.
func CheckCallerTenant(callerTenant, tenant string, r Refusals) error {
	if callerTenant == "" {
		return fmt.Errorf("%w: caller has no tenant", r.Forbidden)
	}
	if callerTenant != tenant {
		return fmt.Errorf("%w: caller's tenant may not access tenant %q", r.Forbidden, tenant)
	}
	return nil
}

// ReservedDataKey is the data key a store keeps beside a secret's values to
// recognise a command's write (the Vault store's command mark); no caller's
// data may use it, and reads never return it.
const ReservedDataKey = "registry-command"

// CheckData refuses secret data JSON could not carry faithfully, and the
// reserved key. Errors never name keys or values: both are the caller's
// secret.
func CheckData(data map[string]string, r Refusals) error {
	if len(data) == 0 {
		return fmt.Errorf("%w: data is empty", r.Invalid)
	}
	for k, v := range data {
		if k == "" {
			return fmt.Errorf("%w: data has an empty key", r.Invalid)
		}
		if k == ReservedDataKey {
			return fmt.Errorf("%w: data uses the key the store keeps for itself (%s)", r.Invalid, ReservedDataKey)
		}
		// encoding/json would silently replace invalid UTF-8 with U+FFFD.
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("%w: data holds a key or value that is not valid UTF-8", r.Invalid)
		}
	}
	return nil
}
