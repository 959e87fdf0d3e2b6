// Package authz decides what an authenticated caller may do with the REST
// API: the authorization options of seed 002 (role-based access with roles
// from the token or from role mappings managed by the registry, admin
// override, owner-only writes, authenticated read, anonymous read). Every
// option is off by default; tenant isolation is not an option and is
// enforced by the handlers and the stores whatever is decided here.
//
// Decide evaluates, in the order of seed 002: anonymous read (if enabled)
// → admin override → authenticated read (if enabled) → role check. The
// owner check of owner-only writes comes last, in the credential handlers
// (handlers.OwnerOnly): only they know which secret a write changes.
package authz

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Roles of seed 002.
const (
	RoleAdmin     = "admin"
	RoleDeveloper = "developer"
	RoleReadOnly  = "read-only"
	// RolePlatformAdmin administers every tenant (REGISTRY_PLATFORM_ADMIN_ROLE).
	RolePlatformAdmin = "platform-admin"
)

// Role sources.
const (
	SourceToken       = "token"
	SourceApplication = "application"
)

// Config holds the options. The zero value is seed 002's default: every
// option off (an authenticated tenant member reads and writes its tenant's
// data; admin operations need the admin role in the token).
type Config struct {
	// RoleBased turns role-based authorization on (REGISTRY_AUTHZ_ROLE_BASED):
	// reads need any role, writes developer or admin, admin operations admin.
	RoleBased bool
	// RoleSource is where roles come from: "token" (default: the roles
	// claim, REGISTRY_OIDC_ROLES_CLAIM) or "application" (the role mappings
	// of /registry-api/admin/roleMappings) (REGISTRY_AUTHZ_ROLE_SOURCE).
	RoleSource string
	// AdminRole, DeveloperRole and ReadOnlyRole are the names of the roles in
	// the token (REGISTRY_ADMIN_ROLE, REGISTRY_AUTHZ_ROLE_DEVELOPER, …_READ_ONLY);
	// defaults admin, developer, read-only.
	AdminRole, DeveloperRole, ReadOnlyRole string
	// PlatformAdminRole is the platform administrator's role, read from the
	// same roles claim (REGISTRY_PLATFORM_ADMIN_ROLE, default
	// "platform-admin"). A tenant admin administers its own tenant only; the
	// platform admin is the one caller that may manage every tenant's groups
	// and policies, virtual hosts owned by others, and recrypt (seed 004's
	// "administrator"). It is an admin everywhere an admin is asked for.
	PlatformAdminRole string
	// AdminOverride makes a caller admin whatever the other rules say.
	AdminOverride AdminOverride
	// OwnerOnly lets only the creator of a credential secret (or an admin)
	// change or delete it (REGISTRY_AUTHZ_OWNER_ONLY). The credential
	// handlers apply it (handlers.OwnerOnly), not Decide. Virtual hosts have
	// their own owner lists (seed 004) whatever this says.
	OwnerOnly bool
	// AuthenticatedRead grants every authenticated member of the tenant
	// read access, whatever its role (REGISTRY_AUTHZ_AUTHENTICATED_READ).
	AuthenticatedRead bool
	// AnonymousRead serves public data to requests without credentials
	// (REGISTRY_AUTHZ_ANONYMOUS_READ). Tenant data (secrets, kubeconfigs,
	// identity) is never public: only routes that have public data honour
	// it (the virtual hosts' public views).
	AnonymousRead bool
}

// AdminOverride configures the admin override of seed 002. Only the token
// is a source ("from" = token).
type AdminOverride struct {
	// Enabled turns it on (REGISTRY_AUTHZ_ADMIN_OVERRIDE).
	Enabled bool
	// Type is "role" (default) or "claim" (REGISTRY_AUTHZ_ADMIN_OVERRIDE_TYPE).
	Type string
	// Role is the token role that makes an admin, default "admin"
	// (REGISTRY_AUTHZ_ADMIN_OVERRIDE_ROLE).
	Role string
	// Claim and ClaimValue: the claim (a dotted path is allowed) and the
	// value it must hold, or contain when it is a list
	// (REGISTRY_AUTHZ_ADMIN_OVERRIDE_CLAIM, …_CLAIM_VALUE).
	Claim, ClaimValue string
}

// WithDefaults fills the unset names.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.RoleSource, SourceToken)
	def(&c.AdminRole, RoleAdmin)
	def(&c.DeveloperRole, RoleDeveloper)
	def(&c.ReadOnlyRole, RoleReadOnly)
	def(&c.PlatformAdminRole, RolePlatformAdmin)
	if c.AdminOverride.Enabled {
		def(&c.AdminOverride.Type, "role")
		def(&c.AdminOverride.Role, RoleAdmin)
	}
	return c
}

// Validate names the setting at fault; call it on WithDefaults.
func (c Config) Validate() error {
	var errs []error
	if c.RoleSource != SourceToken && c.RoleSource != SourceApplication {
		errs = append(errs, fmt.Errorf("REGISTRY_AUTHZ_ROLE_SOURCE %q: want token or application", c.RoleSource))
	}
	if c.RoleSource == SourceApplication && !c.RoleBased {
		errs = append(errs, errors.New("REGISTRY_AUTHZ_ROLE_SOURCE=application needs REGISTRY_AUTHZ_ROLE_BASED=true"))
	}
	if c.AuthenticatedRead && !c.RoleBased {
		errs = append(errs, errors.New("REGISTRY_AUTHZ_AUTHENTICATED_READ needs REGISTRY_AUTHZ_ROLE_BASED=true: without roles every member reads already"))
	}
	names := []string{c.AdminRole, c.DeveloperRole, c.ReadOnlyRole, c.PlatformAdminRole}
	if slices.Contains(names, "") || len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
		errs = append(errs, errors.New("REGISTRY_ADMIN_ROLE, REGISTRY_AUTHZ_ROLE_DEVELOPER, REGISTRY_AUTHZ_ROLE_READ_ONLY and REGISTRY_PLATFORM_ADMIN_ROLE must be four different names"))
	}
	if o := c.AdminOverride; o.Enabled {
		switch o.Type {
		case "role":
			if o.Role == "" {
				errs = append(errs, errors.New("REGISTRY_AUTHZ_ADMIN_OVERRIDE_ROLE is empty"))
			}
		case "claim":
			if o.Claim == "" || o.ClaimValue == "" {
				errs = append(errs, errors.New("REGISTRY_AUTHZ_ADMIN_OVERRIDE_TYPE=claim needs REGISTRY_AUTHZ_ADMIN_OVERRIDE_CLAIM and _CLAIM_VALUE"))
			}
		default:
			errs = append(errs, fmt.Errorf("REGISTRY_AUTHZ_ADMIN_OVERRIDE_TYPE %q: want role or claim", o.Type))
		}
	}
	return errors.Join(errs...)
}

// Access is what a request does.
type Access int

// Kinds of access.
const (
	Read Access = iota
	Write
	Admin // admin operations: identity management, role mappings, log level
)

func (a Access) String() string {
	switch a {
	case Read:
		return "read"
	case Write:
		return "write"
	}
	return "admin"
}

// Caller is who asks, as Decide needs it. A nil *Caller is anonymous.
type Caller struct {
	Subject string
	// Roles are the caller's role names: the token's roles, or its role
	// mapping (one role) when roles come from the application.
	Roles []string
	// TokenRoles are the token's roles, for the admin override by role
	// (always from the token); nil means Roles.
	TokenRoles []string
	// Claims are the verified token claims, for the claim admin override.
	Claims map[string]any
}

// Request is one authorization question.
type Request struct {
	Caller *Caller
	Access Access
	// Public says the route has public data anonymous read may serve.
	Public bool
}

// Decision is Decide's answer.
type Decision struct {
	Allow bool
	// Admin is true when the caller acts as admin (its role or the
	// override); the REST layer then gives it the admin role downstream.
	Admin bool
	// Reason says why, for logs and problem details; never a claim value.
	Reason string
}

// Decide answers r under c (with defaults).
func (c Config) Decide(r Request) Decision {
	if r.Caller == nil {
		if c.AnonymousRead && r.Access == Read && r.Public {
			return Decision{Allow: true, Reason: "anonymous read"}
		}
		return Decision{Reason: "authentication required"}
	}
	if c.isAdminOverride(r.Caller) {
		return Decision{Allow: true, Admin: true, Reason: "admin override"}
	}
	isAdmin := slices.Contains(r.Caller.Roles, c.AdminRole) || c.IsPlatformAdmin(r.Caller)
	if c.AuthenticatedRead && r.Access == Read {
		return Decision{Allow: true, Admin: isAdmin, Reason: "authenticated read"}
	}
	if !c.RoleBased {
		if r.Access == Admin && !isAdmin {
			return Decision{Reason: "the " + c.AdminRole + " role is required"}
		}
	} else {
		switch {
		case r.Access == Admin && !isAdmin:
			return Decision{Reason: "the " + c.AdminRole + " role is required"}
		case r.Access == Write && !isAdmin && !slices.Contains(r.Caller.Roles, c.DeveloperRole):
			return Decision{Reason: "the " + c.DeveloperRole + " or " + c.AdminRole + " role is required to write"}
		case r.Access == Read && !isAdmin && !slices.Contains(r.Caller.Roles, c.DeveloperRole) && !slices.Contains(r.Caller.Roles, c.ReadOnlyRole):
			return Decision{Reason: "a role is required (" + c.ReadOnlyRole + ", " + c.DeveloperRole + " or " + c.AdminRole + ")"}
		}
	}
	return Decision{Allow: true, Admin: isAdmin, Reason: "allowed"}
}

// IsPlatformAdmin reports whether the caller's token names the platform
// admin role. It is always read from the token (TokenRoles), never from a
// role mapping: a tenant's mappings cannot make anyone a platform admin.
func (c Config) IsPlatformAdmin(caller *Caller) bool {
	if caller == nil || c.PlatformAdminRole == "" {
		return false
	}
	roles := caller.TokenRoles
	if roles == nil {
		roles = caller.Roles
	}
	return slices.Contains(roles, c.PlatformAdminRole)
}

// isAdminOverride: the configured override, or the platform admin role,
// which the override honours whatever its type.
func (c Config) isAdminOverride(caller *Caller) bool {
	o := c.AdminOverride
	if !o.Enabled {
		return false
	}
	if c.IsPlatformAdmin(caller) {
		return true
	}
	if o.Type == "claim" {
		return claimHolds(lookup(caller.Claims, o.Claim), o.ClaimValue)
	}
	roles := caller.TokenRoles
	if roles == nil {
		roles = caller.Roles
	}
	return slices.Contains(roles, o.Role)
}

// claimHolds: v is the value, or a list containing it.
func claimHolds(v any, want string) bool {
	switch x := v.(type) {
	case string:
		return x == want
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == want {
				return true
			}
		}
	case []string:
		return slices.Contains(x, want)
	case bool:
		return fmt.Sprint(x) == want
	}
	return false
}

// lookup finds a claim by name, or by dotted path through nested objects.
func lookup(claims map[string]any, name string) any {
	if v, ok := claims[name]; ok {
		return v
	}
	var cur any = claims
	for _, part := range strings.Split(name, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}
