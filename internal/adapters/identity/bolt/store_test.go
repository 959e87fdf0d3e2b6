package bolt_test

import (
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	identitystore "github.com/hypo-registry/registry/internal/adapters/identity/bolt"
	"github.com/hypo-registry/registry/testkit/contract"
)

func TestContract(t *testing.T) {
	t.Parallel()
	contract.IdentityAdmin(t, func(t *testing.T) handlers.IdentityAdmin {
		return open(t, openDB(t))
	})
}

func openDB(t *testing.T) *bolt.DB {
	t.Helper()
	return openFile(t, filepath.Join(t.TempDir(), "secrets.db"))
}

func open(t *testing.T, db *bolt.DB) *identitystore.Store {
	t.Helper()
	s, err := identitystore.Open(db)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}
