package auth

import (
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Principal is what a verified token says about its bearer.
type Principal struct {
	Subject string
	Tenant  string
	Groups  []string
	Roles   []string
	Expiry  time.Time
	// Token is the raw bearer JWT, a credential: kept so the Vault adapter
	// can exchange it, left out of LogValue.
	Token string
	// Claims are all verified claims, for callers needing more than the
	// above. They may hold personal data: left out of LogValue.
	Claims map[string]any
}

// Caller is the principal as the handlers see it.
func (p Principal) Caller() handlers.Caller {
	return handlers.Caller{Subject: p.Subject, Tenant: p.Tenant, Roles: slices.Clone(p.Roles), Token: p.Token}
}

// ClaimStrings reads the verified claim name, by name or else by dotted
// path through nested objects (as the roles claim is read), as a list of
// strings: a single string is a list of one, an absent claim empty. ok is
// false for a claim of another shape.
func (p Principal) ClaimStrings(name string) ([]string, bool) {
	return stringList(lookup(p.Claims, name))
}

// LogValue keeps the token and the raw claims out of every log line.
func (p Principal) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("subject", p.Subject),
		slog.String("tenant", p.Tenant),
		slog.Any("roles", p.Roles),
		slog.Time("expiry", p.Expiry),
	)
}

// TenantFromGroups returns the tenant named by the first group. Keycloak's
// full-path form "/tenant-a" is accepted; a nested path "/a/b" is not, since
// a subgroup is not a tenant. The error never quotes the group.
func TenantFromGroups(groups []string) (string, error) {
	const op = "tenant from groups"
	tenant, err := tenantOf(groups)
	if err != nil {
		return "", refuse(op, err)
	}
	return tenant, nil
}

// tenantOf is TenantFromGroups returning the bare reason.
func tenantOf(groups []string) (string, error) {
	if len(groups) == 0 {
		return "", ErrNoGroups
	}
	tenant := strings.TrimPrefix(groups[0], "/")
	if secretpath.CheckTenant(tenant) != nil {
		return "", ErrBadTenant
	}
	return tenant, nil
}

// subjectClaims name the claims a caller's subject is read from, first
// present first (seed 001): sub, else client_id (a client-credentials
// token may carry nothing else), else the nameidentifier claim, short or
// in its WS-Federation URI form.
var subjectClaims = []string{"sub", "client_id", "nameidentifier", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"}

// subjectOf is the first non-empty subject claim; one that is not a string
// is refused rather than passed over.
func subjectOf(claims jwt.MapClaims) (string, error) {
	for _, name := range subjectClaims {
		v, present := claims[name]
		if !present || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return "", ErrNoSubject
		}
		if s != "" {
			return s, nil
		}
	}
	return "", ErrNoSubject
}

// principalFrom extracts the principal from verified claims. Its errors are
// bare reasons: Verify wraps them.
func principalFrom(claims jwt.MapClaims, cfg Config) (Principal, error) {
	sub, err := subjectOf(claims)
	if err != nil {
		return Principal{}, err
	}
	groups, ok := stringList(lookup(claims, cfg.GroupsClaim))
	if !ok {
		return Principal{}, ErrNoGroups
	}
	tenant, err := tenantOf(groups)
	if err != nil {
		return Principal{}, err
	}
	roles, ok := stringList(lookup(claims, cfg.RolesClaim))
	if !ok {
		return Principal{}, ErrBadRoles
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return Principal{}, ErrMissingClaim
	}
	return Principal{
		Subject: sub,
		Tenant:  tenant,
		Groups:  groups,
		Roles:   roles,
		Expiry:  exp.Time,
		Claims:  maps.Clone(claims),
	}, nil
}

// lookup finds a claim by name, or else by dotted path through nested
// objects. The literal name wins so namespaced claims such as
// "https://example.com/roles" still work.
func lookup(claims map[string]any, name string) any {
	if v, ok := claims[name]; ok {
		return v
	}
	var cur any = map[string]any(claims)
	for part := range strings.SplitSeq(name, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = obj[part]
	}
	return cur
}

// stringList reads a claim holding a list of strings; a single string counts
// as a list of one and an absent claim as empty. Anything else is not ok.
func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	default:
		return nil, false
	}
}
