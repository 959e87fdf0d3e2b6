package handlers_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	identitystore "github.com/hypo-registry/registry/internal/adapters/identity/bolt"
)

var (
	// idPlatform is a platform admin (of tenant "platform"), idAdmin tenant-a's admin.
	idPlatform = handlers.Caller{Subject: "root", Tenant: "platform", Roles: []string{"platform-admin"}}
	idAdmin    = handlers.Caller{Subject: "ann", Tenant: "tenant-a", Roles: []string{"developer", "admin"}}
	idDev      = handlers.Caller{Subject: "alice", Tenant: "tenant-a", Roles: []string{"developer"}}
	idReader   = handlers.Caller{Subject: "carol", Tenant: "tenant-a", Roles: []string{"read-only"}}
	idNobody   = handlers.Caller{Subject: "dave", Tenant: "tenant-a"}
)

var idRoles = handlers.IdentityRoles{Admin: "admin", Platform: "platform-admin"}

const testRules = `path "hypo/data/image-pull/tenant-a/*" { capabilities = ["read"] }`

func idAuth(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }

// newIdentityStore is the embedded identity admin on a fresh bbolt file.
func newIdentityStore(t *testing.T) *identitystore.Store {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "identity.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := identitystore.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newIdentityOn(t *testing.T, admin handlers.IdentityAdmin) *handlers.Identity {
	t.Helper()
	h, err := handlers.NewIdentity(admin, idRoles, "hypo")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// runIdentity dispatches a command to its handler method, as the bus does.
func runIdentity(ctx context.Context, h *handlers.Identity, cmd handlers.Command) (handlers.Result, error) {
	switch c := cmd.(type) {
	case handlers.CreateGroup:
		return h.CreateGroup(ctx, c)
	case handlers.GetGroup:
		return h.GetGroup(ctx, c)
	case handlers.UpdateGroup:
		return h.UpdateGroup(ctx, c)
	case handlers.DeleteGroup:
		return h.DeleteGroup(ctx, c)
	case handlers.CreatePolicy:
		return h.CreatePolicy(ctx, c)
	case handlers.GetPolicy:
		return h.GetPolicy(ctx, c)
	case handlers.UpdatePolicy:
		return h.UpdatePolicy(ctx, c)
	case handlers.DeletePolicy:
		return h.DeletePolicy(ctx, c)
	case handlers.ProvisionTenant:
		return h.ProvisionTenant(ctx, c)
	}
	panic("unknown command")
}

// identityCase is one "given commands, when command, then events" case.
// wantData is checked against the last event; then, if set, inspects the
// store and the result afterwards. A refused command may return events
// only when wantEvents says so (the flow's rollback).
type identityCase struct {
	name       string
	given      []handlers.Command
	when       handlers.Command
	wantEvents []string
	wantData   map[string]any
	wantErr    error
	// wantTenant is the events' tenant: the tenant the group or policy
	// belongs to by its name; default the caller's.
	wantTenant string
	then       func(t *testing.T, s *identitystore.Store, res handlers.Result)
}

func runIdentityCases(t *testing.T, cases []identityCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := newIdentityStore(t)
			h := newIdentityOn(t, store)
			ctx := context.Background()
			for _, g := range tc.given {
				if _, err := runIdentity(ctx, h, g); err != nil {
					t.Fatalf("given %T: %v", g, err)
				}
			}
			res, err := runIdentity(ctx, h, tc.when)
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			case tc.wantErr == nil && err != nil:
				t.Fatal(err)
			}
			checkIdentityEvents(t, tc, res)
			if tc.then != nil {
				tc.then(t, store, res)
			}
		})
	}
}

func checkIdentityEvents(t *testing.T, tc identityCase, res handlers.Result) {
	t.Helper()
	if len(res.Events) != len(tc.wantEvents) {
		t.Fatalf("events %v, want %v", res.Events, tc.wantEvents)
	}
	for i, typ := range tc.wantEvents {
		e := res.Events[i]
		tenant := tc.wantTenant
		if tenant == "" {
			tenant = tc.when.Who().Tenant
		}
		if e.Type != typ || e.Tenant != tenant || e.Subject == "" {
			t.Errorf("event %d = %s for %q (subject %q), want %s for %q", i, e.Type, e.Tenant, e.Subject, typ, tenant)
		}
		for k, v := range e.Data {
			if s, ok := v.(string); ok && strings.Contains(s, "capabilities") {
				t.Errorf("event %s carries policy rules under %q", e.Type, k)
			}
		}
	}
	if len(res.Events) == 0 {
		return
	}
	last := res.Events[len(res.Events)-1]
	for k, v := range tc.wantData {
		if !reflect.DeepEqual(last.Data[k], v) {
			t.Errorf("event %s data %s = %#v, want %#v", last.Type, k, last.Data[k], v)
		}
	}
}

func TestNewIdentityRefuses(t *testing.T) {
	t.Parallel()
	store := newIdentityStore(t)
	for _, tc := range []struct {
		name  string
		admin handlers.IdentityAdmin
		roles handlers.IdentityRoles
		mount string
	}{
		{"nil admin", nil, idRoles, "hypo"},
		{"empty role", store, handlers.IdentityRoles{Platform: "platform-admin"}, "hypo"},
		{"empty platform role", store, handlers.IdentityRoles{Admin: "admin"}, "hypo"},
		{"one role for both", store, handlers.IdentityRoles{Admin: "admin", Platform: "admin"}, "hypo"},
		{"empty mount", store, idRoles, ""},
		{"mount with dot-dot", store, idRoles, "hypo/.."},
		{"mount with wildcard", store, idRoles, "hy+po"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if h, err := handlers.NewIdentity(tc.admin, tc.roles, tc.mount); err == nil {
				t.Fatalf("NewIdentity accepted it: %v", h)
			}
		})
	}
}
