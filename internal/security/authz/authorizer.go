package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// RoleMappings answers the role the registry maps a caller to: ok is false
// when the caller has none.
type RoleMappings interface {
	Role(ctx context.Context, tenant, subject string) (role string, ok bool, err error)
}

// Authorizer applies a Config to verified principals, for every transport
// alike (REST, the Kafka southbound).
type Authorizer struct {
	cfg   Config
	roles RoleMappings
}

// NewAuthorizer checks cfg (with defaults); roles are required when they
// come from the application.
func NewAuthorizer(cfg Config, roles RoleMappings) (*Authorizer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.RoleSource == SourceApplication && roles == nil {
		return nil, errors.New("authz: role mappings are required when roles come from the application")
	}
	return &Authorizer{cfg: cfg, roles: roles}, nil
}

// Config is the configuration in force.
func (a *Authorizer) Config() Config { return a.cfg }

// Authorize decides access for p and returns p with its effective roles: the mapped
// role when roles come from the application, plus the admin role when it
// acts as admin (an override), plus the platform admin role when the token
// holds it, so the handlers' own admin checks agree. A
// refusal is handlers.ErrForbidden with the reason; failing role mappings
// are handlers.ErrUnavailable (fail closed).
func (a *Authorizer) Authorize(ctx context.Context, p auth.Principal, access Access) (auth.Principal, error) {
	caller := &Caller{Subject: p.Subject, Roles: p.Roles, TokenRoles: p.Roles, Claims: p.Claims}
	if a.cfg.RoleSource == SourceApplication {
		role, ok, err := a.roles.Role(ctx, p.Tenant, p.Subject)
		if err != nil {
			return p, fmt.Errorf("%w: role mappings: %v", handlers.ErrUnavailable, err)
		}
		caller.Roles = []string{}
		if ok {
			caller.Roles = []string{role}
		}
	}
	d := a.cfg.Decide(Request{Caller: caller, Access: access})
	if !d.Allow {
		return p, fmt.Errorf("%w: %s", handlers.ErrForbidden, d.Reason)
	}
	roles := slices.Clone(caller.Roles)
	if d.Admin && !slices.Contains(roles, a.cfg.AdminRole) {
		roles = append(roles, a.cfg.AdminRole)
	}
	// The platform admin role comes from the token whatever the role
	// source, so the handlers' tenant checks see it.
	if a.cfg.IsPlatformAdmin(caller) && !slices.Contains(roles, a.cfg.PlatformAdminRole) {
		roles = append(roles, a.cfg.PlatformAdminRole)
	}
	p.Roles = roles
	return p, nil
}
