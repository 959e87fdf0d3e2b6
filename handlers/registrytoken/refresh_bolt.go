package registrytoken

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

var _ RefreshStore = (*BoltRefreshStore)(nil)

// Buckets of the refresh store: grants by token hash, and the hash by grant
// id for revocation.
var (
	bucketGrants = []byte("registrytoken.refresh.grants")
	bucketIDs    = []byte("registrytoken.refresh.ids")
)

// maxRefreshTokenBytes refuses absurd values before hashing them.
const maxRefreshTokenBytes = 512

// BoltRefreshStore keeps refresh grants in a bbolt file, so the identity
// tokens docker keeps in its config.json survive a restart. It holds only
// token hashes: a copy of the file yields no usable token. It is one
// instance's alone: registryd now keeps grants in the event log
// (SharedRefreshStore) and reads this file, where an older version wrote
// it, as the read-only fallback for the grants issued before.
type BoltRefreshStore struct {
	db *bolt.DB
}

// NewBoltRefreshStore uses db, creating its buckets unless db is read-only.
// The caller owns db.
func NewBoltRefreshStore(db *bolt.DB) (*BoltRefreshStore, error) {
	if db == nil {
		return nil, errors.New("refresh store: nil database")
	}
	if db.IsReadOnly() {
		return &BoltRefreshStore{db: db}, nil
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketGrants, bucketIDs} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refresh store: %w", err)
	}
	return &BoltRefreshStore{db: db}, nil
}

// Issue stores g under a new token; g.ID is chosen here when empty.
func (s *BoltRefreshStore) Issue(_ context.Context, g RefreshGrant) (string, error) {
	const op = "issue refresh token"
	if g.ID == "" {
		g.ID = rand.Text()
	}
	if g.Service == "" || !g.ExpiresAt.After(g.IssuedAt) {
		return "", fmt.Errorf("%s: %w: a service and an expiry after issue are required", op, handlers.ErrInvalid)
	}
	token, hash := newRefreshToken()
	rec, err := json.Marshal(g)
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		ids := tx.Bucket(bucketIDs)
		if ids.Get([]byte(g.ID)) != nil {
			return fmt.Errorf("%w: grant %s exists", handlers.ErrConflict, g.ID)
		}
		if err := tx.Bucket(bucketGrants).Put(hash, rec); err != nil {
			return err
		}
		return ids.Put([]byte(g.ID), hash)
	})
	if err != nil {
		return "", fmt.Errorf("%s: %w", op, storeErr(err))
	}
	return token, nil
}

// Lookup returns the live grant of token.
func (s *BoltRefreshStore) Lookup(_ context.Context, token string, now time.Time) (RefreshGrant, error) {
	const op = "refresh token"
	if token == "" || len(token) > maxRefreshTokenBytes {
		return RefreshGrant{}, fmt.Errorf("%s: %w: malformed", op, handlers.ErrUnauthenticated)
	}
	var (
		g     RefreshGrant
		found bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketGrants)
		if b == nil {
			return nil
		}
		v := b.Get(hashToken(token))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &g)
	})
	switch {
	case err != nil:
		return RefreshGrant{}, fmt.Errorf("%s: %w", op, storeErr(err))
	case !found:
		return RefreshGrant{}, fmt.Errorf("%s: %w: unknown", op, handlers.ErrUnauthenticated)
	case !g.RevokedAt.IsZero():
		return RefreshGrant{}, fmt.Errorf("%s: %w: revoked", op, handlers.ErrUnauthenticated)
	case !now.Before(g.ExpiresAt):
		return RefreshGrant{}, fmt.Errorf("%s: %w: expired", op, handlers.ErrUnauthenticated)
	}
	return g, nil
}

// Grant returns grant id of tenant.
func (s *BoltRefreshStore) Grant(_ context.Context, tenant, id string) (RefreshGrant, error) {
	var g RefreshGrant
	err := s.db.View(func(tx *bolt.Tx) error {
		ids, grants := tx.Bucket(bucketIDs), tx.Bucket(bucketGrants)
		if ids == nil || grants == nil {
			return fmt.Errorf("%w: no refresh grant %s", handlers.ErrNotFound, id)
		}
		hash := ids.Get([]byte(id))
		if hash == nil {
			return fmt.Errorf("%w: no refresh grant %s", handlers.ErrNotFound, id)
		}
		if v := grants.Get(hash); v == nil || json.Unmarshal(v, &g) != nil || g.Tenant != tenant {
			return fmt.Errorf("%w: no refresh grant %s", handlers.ErrNotFound, id)
		}
		return nil
	})
	if err != nil {
		return RefreshGrant{}, fmt.Errorf("refresh grant: %w", storeErr(err))
	}
	return g, nil
}

// LiveGrants returns the ids of subject's live grants in tenant. It scans
// every grant: revocation is rare.
func (s *BoltRefreshStore) LiveGrants(_ context.Context, tenant, subject string, now time.Time) ([]string, error) {
	var out []string
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketGrants)
		if b == nil {
			return nil
		}
		return b.ForEach(func(_, v []byte) error {
			var g RefreshGrant
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			if g.Tenant == tenant && g.Subject == subject && g.RevokedAt.IsZero() && now.Before(g.ExpiresAt) {
				out = append(out, g.ID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("refresh grants: %w", storeErr(err))
	}
	return out, nil
}

// Revoke marks grant id revoked.
func (s *BoltRefreshStore) Revoke(_ context.Context, tenant, id string, now time.Time) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		hash := tx.Bucket(bucketIDs).Get([]byte(id))
		if hash == nil {
			return fmt.Errorf("%w: no refresh grant %s", handlers.ErrNotFound, id)
		}
		grants := tx.Bucket(bucketGrants)
		var g RefreshGrant
		if v := grants.Get(hash); v == nil || json.Unmarshal(v, &g) != nil || g.Tenant != tenant {
			return fmt.Errorf("%w: no refresh grant %s", handlers.ErrNotFound, id)
		}
		_, err := revoke(grants, hash, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", storeErr(err))
	}
	return nil
}

// RevokeSubject revokes every live grant of subject in tenant. It scans all
// grants: there are as many as clients that logged in, and revocation is
// rare.
func (s *BoltRefreshStore) RevokeSubject(_ context.Context, tenant, subject string, now time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		grants := tx.Bucket(bucketGrants)
		var mine [][]byte
		err := grants.ForEach(func(k, v []byte) error {
			var g RefreshGrant
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			if g.Subject == subject && g.Tenant == tenant && g.RevokedAt.IsZero() {
				mine = append(mine, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range mine {
			changed, err := revoke(grants, k, now)
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("revoke refresh tokens: %w", storeErr(err))
	}
	return n, nil
}

// Prune deletes grants expired or revoked before cutoff; a service calls it
// now and then so the file does not grow without bound.
func (s *BoltRefreshStore) Prune(cutoff time.Time) (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		grants, ids := tx.Bucket(bucketGrants), tx.Bucket(bucketIDs)
		var dead []RefreshGrant
		var keys [][]byte
		err := grants.ForEach(func(k, v []byte) error {
			var g RefreshGrant
			if err := json.Unmarshal(v, &g); err != nil {
				return err
			}
			if g.ExpiresAt.Before(cutoff) || (!g.RevokedAt.IsZero() && g.RevokedAt.Before(cutoff)) {
				dead = append(dead, g)
				keys = append(keys, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := grants.Delete(k); err != nil {
				return err
			}
			if err := ids.Delete([]byte(dead[i].ID)); err != nil {
				return err
			}
		}
		n = len(keys)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune refresh tokens: %w", storeErr(err))
	}
	return n, nil
}

// revoke sets RevokedAt on the grant at hash unless it is set; it reports
// whether it changed anything.
func revoke(grants *bolt.Bucket, hash []byte, now time.Time) (bool, error) {
	v := grants.Get(hash)
	if v == nil {
		return false, nil
	}
	var g RefreshGrant
	if err := json.Unmarshal(v, &g); err != nil {
		return false, err
	}
	if !g.RevokedAt.IsZero() {
		return false, nil
	}
	g.RevokedAt = now.UTC()
	rec, err := json.Marshal(g)
	if err != nil {
		return false, err
	}
	return true, grants.Put(hash, rec)
}

// storeErr keeps the handlers sentinels and makes anything else (a disk or
// decode failure) unavailable.
func storeErr(err error) error {
	for _, s := range []error{handlers.ErrNotFound, handlers.ErrConflict, handlers.ErrInvalid, handlers.ErrUnauthenticated} {
		if errors.Is(err, s) {
			return err
		}
	}
	return fmt.Errorf("%w: %v", handlers.ErrUnavailable, err)
}
