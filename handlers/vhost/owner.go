package vhost

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// Built-in owner types. An owner without a type is a user (seed 004).
// Any other type (seed 004's "yca:") is matched through Config.OwnerTypes.
const (
	OwnerUser  = "user"
	OwnerGroup = "group"
)

// MaxOwners bounds a host's owner list.
const MaxOwners = 64

// maxOwnerType bounds an owner type's length.
const maxOwnerType = 32

// Owner is one parsed entry of a host's owner list.
type Owner struct {
	// Kind is the owner's type: OwnerUser, OwnerGroup, or another type
	// (then Config.OwnerTypes says which token claim it is matched
	// against, or it matches nobody).
	Kind string
	Name string // a JWT subject, a group as in the groups claim, or a claim value
}

// ParseOwner reads "TYPE:NAME" or a bare "NAME" (a user). A group's
// leading '/' (Keycloak's full-path form) is dropped. A type other than
// user and group, such as seed 004's "yca", is read as given: whether it
// matches anybody is the deployment's choice (Config.OwnerTypes), not the
// owner list's. Types are case-sensitive.
func ParseOwner(s string) (Owner, error) {
	o := Owner{Kind: OwnerUser, Name: s}
	if kind, name, ok := strings.Cut(s, ":"); ok {
		if err := CheckOwnerType(kind); err != nil {
			return Owner{}, err
		}
		o = Owner{Kind: kind, Name: name}
		if kind == OwnerGroup {
			o.Name = strings.TrimPrefix(name, "/")
		}
	}
	if o.Name == "" || len(o.Name) > 255 {
		return Owner{}, fmt.Errorf("%w: an owner's name (after its type) must be 1 to 255 bytes", handlers.ErrInvalid)
	}
	// Not UTF-8, the name would be stored as U+FFFD after a JSON round trip
	// of its event: a replayed host would have another owner.
	if !utf8.ValidString(o.Name) {
		return Owner{}, fmt.Errorf("%w: an owner's name must be UTF-8", handlers.ErrInvalid)
	}
	for _, r := range o.Name {
		if unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return Owner{}, fmt.Errorf("%w: an owner's name may not hold spaces or control characters", handlers.ErrInvalid)
		}
	}
	return o, nil
}

// CheckOwnerType refuses an owner type that is not an ASCII letter
// followed by at most 31 letters, digits, '.', '_' or '-'.
func CheckOwnerType(kind string) error {
	ok := kind != "" && len(kind) <= maxOwnerType
	for i, r := range kind {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')) {
			ok = false
			break
		}
	}
	if !ok {
		return fmt.Errorf("%w: owner type %q (before ':') must be a letter then at most %d letters, digits, '.', '_' or '-' (user:NAME, group:NAME, TYPE:NAME or NAME)",
			handlers.ErrInvalid, secretpath.Printable(kind), maxOwnerType-1)
	}
	return nil
}

// checkOwners parses every owner, refusing duplicates (after parsing) and
// lists longer than MaxOwners.
func checkOwners(owners []string) error {
	if len(owners) > MaxOwners {
		return fmt.Errorf("%w: at most %d owners", handlers.ErrInvalid, MaxOwners)
	}
	seen := map[Owner]bool{}
	for _, s := range owners {
		o, err := ParseOwner(s)
		if err != nil {
			return err
		}
		if seen[o] {
			return fmt.Errorf("%w: owner %s:%s is listed twice", handlers.ErrInvalid, o.Kind, o.Name)
		}
		seen[o] = true
	}
	return nil
}

// Auth is embedded in every virtual-host command: the caller, the groups
// of its token, which group owners are matched against, and the values of
// the token claims typed owners are matched against (Claims, by claim
// name: only those Config.OwnerClaims names). All are set by the ingress
// adapter from the verified token.
type Auth struct {
	handlers.Auth
	Groups []string            `json:"groups,omitempty"`
	Claims map[string][]string `json:"claims,omitempty"`
}

// roles are the role names the rules check, from Config, and the token
// claims typed owners match (Config.OwnerTypes: owner type -> claim).
type roles struct {
	admin, platform, readOnly, developer string
	ownerTypes                           map[string]string
}

// ownedBy reports whether the caller is one of h's owners: a user by its
// subject, a group by its groups, a typed owner by the claim its type is
// mapped to, and only in h's tenant: such a claim (a realm role, say) is
// usually shared by every tenant, where a subject is one caller's. An
// owner of an unmapped type matches nobody.
func (r roles) ownedBy(a Auth, h Host) bool {
	for _, s := range h.Owners {
		o, err := ParseOwner(s)
		if err != nil {
			continue // validated on create; an unparsable entry matches no one
		}
		switch o.Kind {
		case OwnerUser:
			if a.Caller.Subject != "" && a.Caller.Subject == o.Name {
				return true
			}
		case OwnerGroup:
			if slices.ContainsFunc(a.Groups, func(g string) bool { return strings.TrimPrefix(g, "/") == o.Name }) {
				return true
			}
		default:
			claim, ok := r.ownerTypes[o.Kind]
			if ok && a.Caller.Tenant != "" && a.Caller.Tenant == h.Tenant && slices.Contains(a.Claims[claim], o.Name) {
				return true
			}
		}
	}
	return false
}

// unmapped lists the types of owners that match nobody here, for an error
// that says why.
func (r roles) unmapped(owners []string) []string {
	var out []string
	for _, s := range owners {
		o, err := ParseOwner(s)
		if err != nil || o.Kind == OwnerUser || o.Kind == OwnerGroup {
			continue
		}
		if _, ok := r.ownerTypes[o.Kind]; !ok && !slices.Contains(out, o.Kind) {
			out = append(out, o.Kind)
		}
	}
	return out
}

// isPlatform: seed 004's "administrator" is the platform admin. A tenant
// admin is not one: another tenant's secure host is not its to change.
func (r roles) isPlatform(a Auth) bool { return a.Caller.HasRole(r.platform) }

// mayWrite refuses a caller whose roles say read-only and nothing more.
func (r roles) mayWrite(a Auth, op string) error {
	c := a.Caller
	if c.HasRole(r.readOnly) && !c.HasRole(r.admin) && !c.HasRole(r.developer) && !r.isPlatform(a) {
		return fmt.Errorf("%s: %w: the read-only role may not change virtual hosts", op, handlers.ErrForbidden)
	}
	return nil
}

// mayChange is the owner check on writes (server PUT and DELETE, host
// DELETE): a secure host's owners or a platform admin; an insecure host,
// any caller that may write.
func (r roles) mayChange(a Auth, h Host, op string) error {
	if err := r.mayWrite(a, op); err != nil {
		return err
	}
	if h.Secure() && !r.isPlatform(a) && !r.ownedBy(a, h) {
		return fmt.Errorf("%s: %w: only an owner of %s or a platform admin may do this", op, handlers.ErrForbidden, h.Name)
	}
	return nil
}

// seesPrivate reports whether the caller gets a secure host's private view:
// an owner or platform admin of the tenant holding the material (the
// secret store lets no one else read it).
func (r roles) seesPrivate(a Auth, h Host) bool {
	return h.Secure() && a.Caller.Tenant == h.Tenant && (r.isPlatform(a) || r.ownedBy(a, h))
}

// materialCaller is whom the secret store sees when the caller reaches a
// secure host's private material, which lives in the host tenant's folder:
// the caller itself in that tenant, or a platform admin that is a member of
// that tenant's group (its token lists the group), acting for that tenant.
// The store, not this rule, then has the last word: with Vault, the
// caller's own token must carry that tenant's policy. ok is false for
// anyone else.
func (r roles) materialCaller(a Auth, h Host) (c handlers.Caller, ok bool) {
	c = a.Caller
	if c.Tenant == h.Tenant {
		return c, true
	}
	member := slices.ContainsFunc(a.Groups, func(g string) bool { return strings.TrimPrefix(g, "/") == h.Tenant })
	if !r.isPlatform(a) || !member {
		return handlers.Caller{}, false
	}
	c.Tenant = h.Tenant
	return c, true
}
