package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/projections/owners"
)

// ownersOf is the owners projection over its own bbolt database, fed with
// every event the handlers return (apply), as the projection runner does.
func ownersOf(t *testing.T) (handlers.Owners, func(t *testing.T, res handlers.Result)) {
	t.Helper()
	db, err := bbolt.Open(filepath.Join(t.TempDir(), "projections.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := owners.Projection{}
	if err := db.Update(func(tx *bbolt.Tx) error {
		for _, b := range p.Buckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	view, err := owners.NewView(db)
	if err != nil {
		t.Fatal(err)
	}
	lookup, err := owners.NewLookup(view, func(context.Context) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	apply := func(t *testing.T, res handlers.Result) {
		t.Helper()
		for _, o := range res.Events {
			data, err := json.Marshal(o.Data)
			if err != nil {
				t.Fatal(err)
			}
			e, err := events.New(o, data, events.Meta{ID: o.Type + time.Now().String(), Time: time.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *bbolt.Tx) error { return p.Apply(tx, 0, e) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	return lookup, apply
}

// failingOwners is an owners projection that cannot be read, as the
// port reports it.
type failingOwners struct{}

func (failingOwners) Owner(context.Context, string) (string, error) {
	return "", fmt.Errorf("%w: projections not caught up", handlers.ErrUnavailable)
}

// Owner-only writes: a credential secret's creator, an admin or a platform
// admin changes or deletes it; another member of the tenant is refused with
// ErrForbidden and nothing changes. The owner is found under the storage
// key, so another spelling of a package-registry name is the same secret.
func TestOwnerOnlyWrites(t *testing.T) {
	t.Parallel()
	const tenant = "tenant-a"
	alice := handlers.Caller{Subject: "alice", Tenant: tenant, Roles: []string{"developer"}}
	bob := handlers.Caller{Subject: "bob", Tenant: tenant, Roles: []string{"developer"}}
	admin := handlers.Caller{Subject: "root", Tenant: tenant, Roles: []string{"developer", "admin"}}
	platform := handlers.Caller{Subject: "ops", Tenant: tenant, Roles: []string{"platform-admin"}}
	as := func(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }
	pw := strp("changed")

	type step struct {
		cmd     handlers.Command
		wantErr error
	}
	for _, tc := range []struct {
		name     string
		dispatch func(*testing.T, handlers.SecretStore, ...handlers.CredentialOption) func(context.Context, handlers.Command) (handlers.Result, error)
		steps    []step
	}{
		{"image-pull", imagePullDispatcherWith, []step{
			{handlers.CreateImagePullSecret{Auth: as(alice), Name: "s1", Username: "u", Password: "p"}, nil},
			{handlers.UpdateImagePullSecret{Auth: as(bob), Name: "s1", Password: pw}, handlers.ErrForbidden},
			{handlers.DeleteImagePullSecret{Auth: as(bob), Name: "s1"}, handlers.ErrForbidden},
			{handlers.UpdateImagePullSecret{Auth: as(alice), Name: "s1", Password: pw}, nil},
			{handlers.UpdateImagePullSecret{Auth: as(admin), Name: "s1", Password: pw}, nil},
			{handlers.DeleteImagePullSecret{Auth: as(platform), Name: "s1"}, nil},
			// Recreated by bob, it is bob's.
			{handlers.CreateImagePullSecret{Auth: as(bob), Name: "s1", Username: "u", Password: "p"}, nil},
			{handlers.DeleteImagePullSecret{Auth: as(alice), Name: "s1"}, handlers.ErrForbidden},
			{handlers.DeleteImagePullSecret{Auth: as(bob), Name: "s1"}, nil},
		}},
		{"package-registry", packageRegistryDispatcherWith, []step{
			{handlers.CreatePackageRegistrySecret{Auth: as(alice), Name: "https://charts.example.com/myrepo", Username: "u", Password: "p"}, nil},
			{handlers.DeletePackageRegistrySecret{Auth: as(bob), Name: "charts.example.com/myrepo/"}, handlers.ErrForbidden},
			{handlers.UpdatePackageRegistrySecret{Auth: as(bob), Name: "HTTPS://Charts.example.com:443/myrepo", Password: pw}, handlers.ErrForbidden},
			{handlers.DeletePackageRegistrySecret{Auth: as(alice), Name: "charts.example.com/myrepo/"}, nil},
		}},
		{"fabric", fabricDispatcherWith, []step{
			{handlers.CreateFabricSecret{Auth: as(alice), ControllerID: "ctrl-1", Username: "u", Password: "p"}, nil},
			{handlers.UpdateFabricSecret{Auth: as(bob), ControllerID: "ctrl-1", Password: pw}, handlers.ErrForbidden},
			{handlers.DeleteFabricSecret{Auth: as(bob), ControllerID: "ctrl-1"}, handlers.ErrForbidden},
			{handlers.DeleteFabricSecret{Auth: as(alice), ControllerID: "ctrl-1"}, nil},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lookup, apply := ownersOf(t)
			run := tc.dispatch(t, newCredentialStore(t), handlers.OwnerOnly(lookup, "admin", "platform-admin"))
			for i, s := range tc.steps {
				res, err := run(t.Context(), s.cmd)
				if s.wantErr == nil {
					if err != nil {
						t.Fatalf("step %d %T by %s: %v", i, s.cmd, s.cmd.Who().Subject, err)
					}
					apply(t, res)
					continue
				}
				if !errors.Is(err, s.wantErr) || len(res.Events) != 0 {
					t.Fatalf("step %d %T by %s: %v with %d events, want %v and none", i, s.cmd, s.cmd.Who().Subject, err, len(res.Events), s.wantErr)
				}
				if !strings.Contains(err.Error(), "only its owner or an admin may change it") {
					t.Errorf("step %d: refusal %q does not say why", i, err)
				}
			}
		})
	}
}

// Without the option, or for a secret whose creator is unknown, any writer
// of the tenant changes it; an owners projection that cannot be read is
// ErrUnavailable (fail closed), and OwnerOnly needs the owners.
func TestOwnerOnlyUnknownOffAndUnavailable(t *testing.T) {
	t.Parallel()
	alice := handlers.Caller{Subject: "alice", Tenant: "tenant-a", Roles: []string{"developer"}}
	bob := handlers.Caller{Subject: "bob", Tenant: "tenant-a", Roles: []string{"developer"}}
	create := handlers.CreateImagePullSecret{Auth: handlers.Auth{Caller: alice}, Name: "s1", Username: "u", Password: "p"}
	update := handlers.UpdateImagePullSecret{Auth: handlers.Auth{Caller: bob}, Name: "s1", Password: strp("x")}

	off := imagePullDispatcherWith(t, newCredentialStore(t))
	if _, err := off(t.Context(), create); err != nil {
		t.Fatal(err)
	}
	if _, err := off(t.Context(), update); err != nil {
		t.Errorf("owner-only off: %v", err)
	}

	lookup, _ := ownersOf(t) // never fed: every creator unknown
	unknown := imagePullDispatcherWith(t, newCredentialStore(t), handlers.OwnerOnly(lookup, "admin"))
	if _, err := unknown(t.Context(), create); err != nil {
		t.Fatal(err)
	}
	if _, err := unknown(t.Context(), update); err != nil {
		t.Errorf("unknown creator: %v", err)
	}

	failing := imagePullDispatcherWith(t, newCredentialStore(t), handlers.OwnerOnly(failingOwners{}, "admin"))
	if _, err := failing(t.Context(), create); err != nil {
		t.Fatal(err)
	}
	if _, err := failing(t.Context(), update); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("owners unreadable: %v, want ErrUnavailable", err)
	}

	if _, err := handlers.NewImagePullSecrets(newCredentialStore(t), handlers.OwnerOnly(nil)); err == nil {
		t.Error("OwnerOnly without owners accepted")
	}
}

func imagePullDispatcherWith(t *testing.T, store handlers.SecretStore, opts ...handlers.CredentialOption) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewImagePullSecrets(store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) { return run(ctx, h, cmd) }
}

func packageRegistryDispatcherWith(t *testing.T, store handlers.SecretStore, opts ...handlers.CredentialOption) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewPackageRegistrySecrets(store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.CreatePackageRegistrySecret:
			return h.Create(ctx, c)
		case handlers.UpdatePackageRegistrySecret:
			return h.Update(ctx, c)
		case handlers.DeletePackageRegistrySecret:
			return h.Delete(ctx, c)
		}
		panic("unknown command")
	}
}

func fabricDispatcherWith(t *testing.T, store handlers.SecretStore, opts ...handlers.CredentialOption) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewFabricSecrets(store, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.CreateFabricSecret:
			return h.Create(ctx, c)
		case handlers.UpdateFabricSecret:
			return h.Update(ctx, c)
		case handlers.DeleteFabricSecret:
			return h.Delete(ctx, c)
		}
		panic("unknown command")
	}
}
