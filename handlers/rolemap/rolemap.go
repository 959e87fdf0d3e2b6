// Package rolemap keeps the role mappings of seed 002 ("roles managed
// internally by the registry", /registry-api/admin/roleMappings): one role
// per user of a tenant, granted by that tenant's admins. Mappings are
// commands with outcome events; their state is a bbolt projection of
// those events, which the REST layer reads to authorize callers when
// REGISTRY_AUTHZ_ROLE_SOURCE=application.
package rolemap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
)

// Roles as the API names them (seed 002: exactly one of ADMIN, DEVELOPER,
// READ_ONLY per user).
const (
	Admin     = "ADMIN"
	Developer = "DEVELOPER"
	ReadOnly  = "READ_ONLY"
)

// Event types.
const (
	EventCreated = events.RoleMappingCreated
	EventUpdated = events.RoleMappingUpdated
	EventDeleted = events.RoleMappingDeleted
)

// ParseRole accepts ADMIN, DEVELOPER, READ_ONLY in any case, and
// "read-only".
func ParseRole(s string) (string, error) {
	switch strings.ReplaceAll(strings.ToUpper(strings.TrimSpace(s)), "-", "_") {
	case Admin:
		return Admin, nil
	case Developer:
		return Developer, nil
	case ReadOnly:
		return ReadOnly, nil
	}
	return "", fmt.Errorf("%w: role must be ADMIN, DEVELOPER or READ_ONLY", handlers.ErrInvalid)
}

// checkPrincipal accepts a JWT subject: 1 to 255 printable characters.
func checkPrincipal(id string) error {
	if id == "" || len(id) > 255 {
		return fmt.Errorf("%w: principalId must be 1 to 255 characters", handlers.ErrInvalid)
	}
	for _, r := range id {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: principalId must be printable", handlers.ErrInvalid)
		}
	}
	return nil
}

// Mapping is one user's role in a tenant.
type Mapping struct {
	PrincipalID string `json:"principalId"`
	Role        string `json:"role"`
}

// Bucket holds tenant NUL principalId → role.
const Bucket = "rolemappings"

func key(tenant, principal string) []byte { return []byte(tenant + "\x00" + principal) }

// Projection keeps the mappings from their events.
type Projection struct{}

// Name is the projection's position key; do not rename.
func (Projection) Name() string { return "rolemappings" }

// Buckets lists the mappings bucket.
func (Projection) Buckets() []string { return []string{Bucket} }

// Apply applies one event; other types are ignored.
func (Projection) Apply(tx *bbolt.Tx, _ uint64, e event.Event) error {
	switch e.Type() {
	case EventCreated, EventUpdated, EventDeleted:
	default:
		return nil
	}
	var d struct {
		Subject string `json:"subject"`
		Role    string `json:"role"`
	}
	if err := json.Unmarshal(e.Data(), &d); err != nil {
		return fmt.Errorf("rolemap: event %s: %w", e.ID(), err)
	}
	tenant := events.StringExtension(e, "tenant")
	b := tx.Bucket([]byte(Bucket))
	if e.Type() == EventDeleted {
		return b.Delete(key(tenant, d.Subject))
	}
	if _, err := ParseRole(d.Role); err != nil {
		return fmt.Errorf("rolemap: event %s: %w", e.ID(), err)
	}
	return b.Put(key(tenant, d.Subject), []byte(d.Role))
}

// View reads the projection.
type View struct{ db *bbolt.DB }

// NewView reads db, the projections database.
func NewView(db *bbolt.DB) (*View, error) {
	if db == nil {
		return nil, errors.New("rolemap: nil database")
	}
	return &View{db: db}, nil
}

// Get returns the mapping of principal in tenant; ok is false when none.
func (v *View) Get(tenant, principal string) (Mapping, bool, error) {
	var m Mapping
	var ok bool
	err := v.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket))
		if b == nil {
			return nil
		}
		if role := b.Get(key(tenant, principal)); role != nil {
			m, ok = Mapping{PrincipalID: principal, Role: string(role)}, true
		}
		return nil
	})
	return m, ok, err
}

// List returns the tenant's mappings sorted by principal.
func (v *View) List(tenant string) ([]Mapping, error) {
	out := []Mapping{}
	err := v.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte(Bucket))
		if b == nil {
			return nil
		}
		prefix := []byte(tenant + "\x00")
		c := b.Cursor()
		for k, val := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, val = c.Next() {
			out = append(out, Mapping{PrincipalID: string(k[len(prefix):]), Role: string(val)})
		}
		return nil
	})
	return out, err
}

// Roles answers the REST layer: the role name of the token configuration
// that the caller's mapping stands for.
type Roles struct {
	View                         *View
	Admin, Developer, ReadOnlyAs string
}

// Role implements rest.RoleMappings.
func (r Roles) Role(_ context.Context, tenant, subject string) (string, bool, error) {
	m, ok, err := r.View.Get(tenant, subject)
	if err != nil || !ok {
		return "", false, err
	}
	switch m.Role {
	case Admin:
		return r.Admin, true, nil
	case Developer:
		return r.Developer, true, nil
	}
	return r.ReadOnlyAs, true, nil
}
