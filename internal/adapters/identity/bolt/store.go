// Package identitystore is the embedded handlers.IdentityAdmin: ACL policies
// and groups kept as JSON records in bbolt, with the semantics of Vault's
// sys/policies/acl and identity/group endpoints, so the identity flows behave
// the same with or without a Vault server.
//
// Without Vault nothing enforces these policies: the embedded secret store
// scopes callers to their tenant itself. The records exist so the identity
// flows (group, policy, policy-group-flow) work and answer alike in both
// deployments.
package bolt

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hypo-registry/registry/handlers"
)

// Buckets, keyed by the lower-cased name; values are JSON handlers.Policy and
// handlers.Group records. The "identity/" prefix keeps them apart from the
// secret store's buckets when both share one file.
var (
	policiesBucket = []byte("identity/policies")
	groupsBucket   = []byte("identity/groups")
)

// Store is the embedded identity admin. It is safe for concurrent use.
type Store struct {
	db *bolt.DB
}

var _ handlers.IdentityAdmin = (*Store)(nil)

// Open uses db, which the caller owns and closes: the registry keeps the
// identity records in the same file as its secrets (secrets.db), and bbolt
// allows one opener per file. Open creates the buckets it needs and touches
// no other.
func Open(db *bolt.DB) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("identitystore open: %w: nil database", handlers.ErrInvalid)
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{policiesBucket, groupsBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("identitystore open %s: %w", db.Path(), dbErr(err))
	}
	return &Store{db: db}, nil
}

// dbErr marks a closed database as unavailable, so callers see a sentinel.
func dbErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", handlers.ErrUnavailable, err)
	}
	return err
}
