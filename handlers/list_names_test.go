package handlers_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/projections/owners"
)

// committedNames is the owners projection's names over its own bbolt
// database, as the service wires it: events the handlers return are
// "committed" (commit) and applied only when the names are asked for,
// the way the service's sync waits for the projection runner.
func committedNames(t *testing.T) (handlers.CreatedNames, func(res handlers.Result)) {
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
	var (
		mu      sync.Mutex
		pending []handlers.Result
	)
	sync := func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		for _, res := range pending {
			for _, o := range res.Events {
				data, err := json.Marshal(o.Data)
				if err != nil {
					return err
				}
				e, err := events.New(o, data, events.Meta{ID: o.Type + time.Now().String(), Time: time.Now()})
				if err != nil {
					return err
				}
				if err := db.Update(func(tx *bbolt.Tx) error { return p.Apply(tx, 0, e) }); err != nil {
					return err
				}
			}
		}
		pending = nil
		return nil
	}
	names, err := owners.NewNames(view, sync)
	if err != nil {
		t.Fatal(err)
	}
	commit := func(res handlers.Result) {
		mu.Lock()
		defer mu.Unlock()
		pending = append(pending, res)
	}
	return names, commit
}

// A package-registry list takes each name as created from the owners
// projection, once it applied every committed event, instead of reading
// the secret: a name the projection holds is shown even when the stored
// copy says otherwise; a key it does not know (written outside this
// service) is read; a projected secret gone from the store is not listed
// (the store's list decides what exists); a secret deleted and created
// again under another spelling lists under the new one.
func TestListNamesFromProjection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	names, commit := committedNames(t)
	store := newCredentialStore(t)
	h, err := handlers.NewPackageRegistrySecrets(store, handlers.ListNames(names))
	if err != nil {
		t.Fatal(err)
	}
	alice := handlers.Caller{Subject: "alice", Tenant: "tenant-a"}
	auth := handlers.Auth{Caller: alice}
	pathOf := func(name string) secretpath.Path {
		t.Helper()
		key, err := secretpath.RegistryKey(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := secretpath.New(secretpath.PackageRegistry, alice.Tenant, key)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	create := func(n string) {
		t.Helper()
		res, err := h.Create(ctx, handlers.CreatePackageRegistrySecret{Auth: auth, Name: n, Username: "u", Password: "p"})
		if err != nil {
			t.Fatal(err)
		}
		commit(res)
	}
	list := func(want ...string) {
		t.Helper()
		res, err := h.List(ctx, handlers.ListPackageRegistrySecrets{Auth: auth})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := res.Reply.([]string); !slices.Equal(got, want) {
			t.Fatalf("list = %q, want %q", got, want)
		}
	}
	for _, n := range []string{"HTTPS://Charts.Example.com/a", "git.example.com/b", "gone.example.com", "Again.example.com"} {
		create(n)
	}
	// The stored name of /a changes behind the projection's back: the list
	// shows the projection's, proof it did not read the secret.
	if _, err := store.Write(ctx, alice, pathOf("charts.example.com/a"), handlers.SecretData{"username": "u", "password": "p", "name": "stored-name"}, nil); err != nil {
		t.Fatal(err)
	}
	// Written outside this service: unknown to the projection, read.
	if _, err := store.Write(ctx, alice, pathOf("Outside.example.com/c"), handlers.SecretData{"username": "u", "password": "p", "name": "Outside.example.com/c"}, nil); err != nil {
		t.Fatal(err)
	}
	// Gone from the store without an event: the projection still has it.
	if err := store.Destroy(ctx, alice, pathOf("gone.example.com")); err != nil {
		t.Fatal(err)
	}
	list("Again.example.com", "HTTPS://Charts.Example.com/a", "Outside.example.com/c", "git.example.com/b")

	// Deleted and created again as "again.example.com": the same key. The
	// list right after shows the new spelling only.
	res, err := h.Delete(ctx, handlers.DeletePackageRegistrySecret{Auth: auth, Name: "Again.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	commit(res)
	list("HTTPS://Charts.Example.com/a", "Outside.example.com/c", "git.example.com/b")
	create("again.example.com")
	list("HTTPS://Charts.Example.com/a", "Outside.example.com/c", "again.example.com", "git.example.com/b")
}
