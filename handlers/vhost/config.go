package vhost

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// Config configures the virtual-host handlers. The zero value is usable:
// every field has a default, applied by WithDefaults.
type Config struct {
	// DefaultTimeout is a host's server timeout when it names none
	// (seed 004: 600 seconds).
	DefaultTimeout time.Duration
	// MaxTimeout bounds a host's server timeout. Default 24h.
	MaxTimeout time.Duration
	// CompactAfter is the compaction horizon: a server is removed once its
	// last heartbeat is older than its host's timeout plus this. Default
	// 24h. Until then a stale server is only hidden.
	CompactAfter time.Duration
	// CompactEvery is how often the compaction job runs. Default 10m.
	CompactEvery time.Duration
	// AdminRole, DeveloperRole and ReadOnlyRole name the roles of seed 002.
	// Defaults "admin", "developer", "read-only".
	AdminRole, DeveloperRole, ReadOnlyRole string
	// PlatformAdminRole is seed 004's "administrator": it may change and
	// delete secure hosts it does not own, create a secure host without
	// owning it, compact and recrypt. A tenant's admin role does not.
	// Default "platform-admin".
	PlatformAdminRole string
	// OwnerTypes maps an owner type to the token claim its owners are
	// matched against (REGISTRY_VHOST_OWNER_TYPES): with "yca" -> "roles",
	// the owner "yca:some-role" (seed 004's example) is any caller of the
	// host's tenant whose verified token's roles claim holds "some-role"
	// (a role is usually shared by every tenant, so a typed owner never
	// matches another tenant's callers). The claim is read
	// from the token as a string or a list of strings, by name or else by
	// dotted path (like REGISTRY_OIDC_ROLES_CLAIM), and compared exactly.
	// user and group are built in and cannot be mapped. An owner of an
	// unmapped type is stored and shown as given but matches nobody: only
	// a platform admin may then change its host. Default none.
	OwnerTypes map[string]string
	// Scope is where private material is stored. Default
	// secretpath.VirtualHost; it must be one of secretpath.Scopes.
	Scope secretpath.Scope
	// KeyAlgorithm of SelfSignedSSL key pairs: KeyRSA2048 (default, what
	// Java keytool makes) or KeyECDSAP256.
	KeyAlgorithm string
	// Now is the clock of heartbeats and liveness. Default time.Now.
	Now func() time.Time
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.DefaultTimeout, 600*time.Second)
	def(&c.MaxTimeout, 24*time.Hour)
	def(&c.CompactAfter, 24*time.Hour)
	def(&c.CompactEvery, 10*time.Minute)
	str := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	str(&c.AdminRole, "admin")
	str(&c.DeveloperRole, "developer")
	str(&c.ReadOnlyRole, "read-only")
	str(&c.PlatformAdminRole, "platform-admin")
	str(&c.KeyAlgorithm, KeyRSA2048)
	if c.Scope == "" {
		c.Scope = secretpath.VirtualHost
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem of c (after defaults), joined.
func (c Config) Validate() error {
	var errs []error
	for name, d := range map[string]time.Duration{
		"DefaultTimeout": c.DefaultTimeout, "MaxTimeout": c.MaxTimeout,
		"CompactAfter": c.CompactAfter, "CompactEvery": c.CompactEvery,
	} {
		if d < time.Second {
			errs = append(errs, fmt.Errorf("vhost: %s %s is below one second", name, d))
		}
	}
	if c.DefaultTimeout > c.MaxTimeout {
		errs = append(errs, fmt.Errorf("vhost: DefaultTimeout %s is above MaxTimeout %s", c.DefaultTimeout, c.MaxTimeout))
	}
	if !c.Scope.Valid() {
		errs = append(errs, fmt.Errorf("vhost: Scope %q is not one of secretpath.Scopes", string(c.Scope)))
	}
	if c.KeyAlgorithm != KeyRSA2048 && c.KeyAlgorithm != KeyECDSAP256 {
		errs = append(errs, fmt.Errorf("vhost: KeyAlgorithm %q is neither %s nor %s", c.KeyAlgorithm, KeyRSA2048, KeyECDSAP256))
	}
	for kind, claim := range c.OwnerTypes {
		if err := c.checkOwnerType(kind, claim); err != nil {
			errs = append(errs, err)
		}
	}
	// The durations and owner types come from maps: sort for a stable
	// message.
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// checkOwnerType refuses a mapping that would widen a built-in type or
// name no usable claim.
func (Config) checkOwnerType(kind, claim string) error {
	if kind == OwnerUser || kind == OwnerGroup {
		return fmt.Errorf("vhost: OwnerTypes: %q is built in and cannot be mapped to a claim", kind)
	}
	if err := CheckOwnerType(kind); err != nil {
		return fmt.Errorf("vhost: OwnerTypes: owner type %q: want a letter then at most %d letters, digits, '.', '_' or '-'", secretpath.Printable(kind), maxOwnerType-1)
	}
	if claim == "" || len(claim) > 255 || strings.ContainsFunc(claim, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return fmt.Errorf("vhost: OwnerTypes: owner type %s: claim %q must be 1 to 255 printable characters without spaces", kind, secretpath.Printable(claim))
	}
	return nil
}

// OwnerClaims are the token claims typed owners are matched against, each
// once, sorted: the ingress adapter copies their values from the verified
// token into Auth.Claims.
func (c Config) OwnerClaims() []string {
	return slices.Compact(slices.Sorted(maps.Values(c.OwnerTypes)))
}

// AuditConfig says how the audit log records heartbeats (SampleHeartbeats).
// The choice changes which records the audit log holds, so a replay of the
// audit projection must use the same values as the live service.
type AuditConfig struct {
	// All records every heartbeat. Default false: sampled.
	All bool
	// Interval is, when sampling, the least event time between two recorded
	// heartbeats of one server. Default 1m.
	Interval time.Duration
}

// WithDefaults returns c with its zero fields set.
func (c AuditConfig) WithDefaults() AuditConfig {
	if c.Interval == 0 {
		c.Interval = time.Minute
	}
	return c
}

// Validate refuses a negative interval.
func (c AuditConfig) Validate() error {
	if c.Interval < 0 {
		return fmt.Errorf("vhost: audit Interval %s is negative", c.Interval)
	}
	return nil
}

// CheckClearFields reports the keys of events.VirtualHostClearFields missing
// from clear (events.ClearFields): without them the bus would replace the
// public data of virtual-host events by HMACs, and the projection could not
// be rebuilt from the log. registryd refuses to start on it.
func CheckClearFields(clear, need map[string]bool) error {
	var missing []string
	for _, k := range slices.Sorted(maps.Keys(need)) {
		if !clear[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("vhost: events.ClearFields lacks %q: virtual-host events would lose their public data", missing)
	}
	return nil
}
