// Package boltstore is the embedded secret store: handlers.SecretStore on a
// bbolt file, with Vault KV-v2 semantics so the registry behaves the same
// with or without a Vault server. Metadata is stored as clear JSON (it holds
// no secret); every version's data is sealed with seal.Keyring, bound by AAD
// to its storage key so a value moved to another path or tenant does not open.
// With no Vault to enforce policies, the store checks tenant scoping itself.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/seal"
)

// Bucket names. Metadata is keyed by secretpath.Path.String(), versions by
// that plus "#v<n>", which is also the AAD of the sealed value.
var (
	metaBucket     = []byte("metadata")
	versionsBucket = []byte("versions")
)

// Options configures a Store. The zero value is usable: every field has a
// default.
type Options struct {
	// Now stamps metadata times, so tests can fix the clock. Default time.Now.
	Now func() time.Time
	// MaxVersions is how many versions of a secret are kept, like Vault KV
	// v2's max_versions: older versions are dropped on write. Default 10.
	MaxVersions int
	// Timeout bounds the wait for the file lock another process may hold.
	// Default 1s; bbolt's own default would wait forever.
	Timeout time.Duration
}

// Validate reports every problem with o, joined.
func (o Options) Validate() error {
	var errs []error
	if o.MaxVersions < 0 {
		errs = append(errs, fmt.Errorf("MaxVersions %d is negative", o.MaxVersions))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("Timeout %s is negative", o.Timeout))
	}
	return errors.Join(errs...)
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxVersions == 0 {
		o.MaxVersions = 10
	}
	if o.Timeout == 0 {
		o.Timeout = time.Second
	}
	return o
}

// Store is the bbolt secret store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	ring *seal.Keyring
	opts Options
	meta metaCache // decoded metadata for Read
}

var _ handlers.SecretStore = (*Store)(nil)

// Open opens or creates the store file at path (mode 0600), sealing new
// values under ring's current key. Only one process may hold the file: if
// another does, Open fails after opts.Timeout with an error naming the file.
func Open(path string, ring *seal.Keyring, opts Options) (*Store, error) {
	if ring == nil {
		return nil, fmt.Errorf("boltstore open %s: %w: nil keyring", path, handlers.ErrInvalid)
	}
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("boltstore open %s: %w: %w", path, handlers.ErrInvalid, err)
	}
	opts = opts.withDefaults()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("boltstore open %s: another process holds the file lock (waited %s): %w: %w",
			path, opts.Timeout, handlers.ErrUnavailable, err)
	}
	if err != nil {
		return nil, fmt.Errorf("boltstore open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{metaBucket, versionsBucket, appliedBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore open %s: create buckets: %w", path, err)
	}
	return &Store{db: db, ring: ring, opts: opts}, nil
}

// Close releases the file and its lock. Calls after Close fail with
// handlers.ErrUnavailable.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("boltstore close: %w", err)
	}
	return nil
}

// Healthy reports whether the database file is open and readable, for
// /readyz.
func (s *Store) Healthy(context.Context) error {
	if err := s.db.View(func(*bolt.Tx) error { return nil }); err != nil {
		return fmt.Errorf("boltstore: %w", dbErr(err))
	}
	return nil
}

// now is the store's clock in UTC, without a monotonic reading, so times
// returned by Write equal those read back from JSON.
func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// dbErr marks a closed database as unavailable, so callers see a sentinel.
func dbErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", handlers.ErrUnavailable, err)
	}
	return err
}
