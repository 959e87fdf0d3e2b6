package bolt_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	identitystore "github.com/hypo-registry/registry/internal/adapters/identity/bolt"
)

func TestOpenNilDB(t *testing.T) {
	t.Parallel()
	if _, err := identitystore.Open(nil); !errors.Is(err, handlers.ErrInvalid) {
		t.Fatalf("Open(nil): err = %v, want ErrInvalid", err)
	}
}

// TestSharedFile: the store lives beside other buckets of the same file,
// leaves them alone, and its records survive a reopen as JSON.
func TestSharedFile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "secrets.db")
	db := openFile(t, file)
	if err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("metadata"))
		if err != nil {
			return err
		}
		return b.Put([]byte("k"), []byte("v"))
	}); err != nil {
		t.Fatalf("seed other bucket: %v", err)
	}
	s := open(t, db)
	ctx := t.Context()
	want := handlers.Group{Name: "tenant-a", Policies: []string{"tenant-a_policy"}, Metadata: map[string]string{"k": "v"}}
	if _, err := s.CreateGroup(ctx, want); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	db.Close()

	db = openFile(t, file)
	s = open(t, db)
	got, err := s.GetGroup(ctx, "tenant-a")
	if err != nil || got.Name != want.Name || got.Policies[0] != want.Policies[0] || got.Metadata["k"] != "v" {
		t.Fatalf("GetGroup after reopen = %+v, %v; want %+v", got, err, want)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("metadata")).Get([]byte("k")); string(v) != "v" {
			t.Errorf("other bucket's record = %q, want %q", v, "v")
		}
		var rec handlers.Group
		return json.Unmarshal(tx.Bucket([]byte("identity/groups")).Get([]byte("tenant-a")), &rec)
	})
	if err != nil {
		t.Fatalf("raw record: %v", err)
	}
}

// TestUnavailable: a closed database or a done context is ErrUnavailable,
// the one error the router retries.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	closedDB := openDB(t)
	closed := open(t, closedDB)
	closedDB.Close()
	cases := []struct {
		name string
		s    *identitystore.Store
		ctx  context.Context
	}{
		{"closed database", closed, t.Context()},
		{"cancelled context", open(t, openDB(t)), cancelled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			errs := map[string]error{
				"CreatePolicy": tc.s.CreatePolicy(tc.ctx, handlers.Policy{Name: "p", Rules: `path "x" { capabilities = ["read"] }`}),
				"DeletePolicy": tc.s.DeletePolicy(tc.ctx, "p"),
				"DeleteGroup":  tc.s.DeleteGroup(tc.ctx, "g"),
			}
			_, errs["GetPolicy"] = tc.s.GetPolicy(tc.ctx, "p")
			_, errs["CreateGroup"] = tc.s.CreateGroup(tc.ctx, handlers.Group{Name: "g"})
			_, errs["UpdateGroup"] = tc.s.UpdateGroup(tc.ctx, handlers.Group{Name: "g"})
			_, errs["GetGroup"] = tc.s.GetGroup(tc.ctx, "g")
			for op, err := range errs {
				if !errors.Is(err, handlers.ErrUnavailable) {
					t.Errorf("%s: err = %v, want ErrUnavailable", op, err)
				}
			}
		})
	}
}

func openFile(t *testing.T, file string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(file, 0o600, nil)
	if err != nil {
		t.Fatalf("bolt open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
