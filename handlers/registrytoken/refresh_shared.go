package registrytoken

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

var _ RefreshStore = (*SharedRefreshStore)(nil)

// GrantSender sends GrantRefreshToken on the command bus and returns once
// this instance's projections have applied its event, so the token it is
// for works here as soon as the caller has it.
type GrantSender func(ctx context.Context, cmd GrantRefreshToken) error

// SharedRefreshStore keeps refresh grants in the event log: Issue sends a
// GrantRefreshToken command, and Lookup reads RefreshProjection, which
// every instance feeds from the log. Grants an older version wrote to this
// instance's own file are read from legacy, read-only, until they expire;
// the projection's revocations apply to them too.
type SharedRefreshStore struct {
	db     *bolt.DB
	send   GrantSender
	legacy *BoltRefreshStore // nil without an old file
}

// NewSharedRefreshStore reads RefreshProjection in db (the projections
// database) and issues through send; legacy may be nil.
func NewSharedRefreshStore(db *bolt.DB, send GrantSender, legacy *BoltRefreshStore) (*SharedRefreshStore, error) {
	if db == nil || send == nil {
		return nil, errors.New("refresh store: a projections database and a grant sender are required")
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range (RefreshProjection{}).Buckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("refresh store: %w", err)
	}
	return &SharedRefreshStore{db: db, send: send, legacy: legacy}, nil
}

// Issue makes a token for g and records g, keyed by the token's SHA-256,
// through the command bus.
func (s *SharedRefreshStore) Issue(ctx context.Context, g RefreshGrant) (string, error) {
	const op = "issue refresh token"
	if g.ID == "" {
		g.ID = rand.Text()
	}
	token, hash := newRefreshToken()
	rec := GrantRecord{
		ID: g.ID, Tenant: g.Tenant, Subject: g.Subject, Roles: g.Roles, Plan: g.Plan, Service: g.Service,
		IssuedAt: g.IssuedAt.Unix(), ExpiresAt: g.ExpiresAt.Unix(), TokenSHA256: hex.EncodeToString(hash),
		Sealed: sealGrant(token, g.ID, sealedFields{License: g.License, ClientID: g.ClientID}),
	}
	if err := rec.check(); err != nil {
		return "", fmt.Errorf("%s: %w: %v", op, handlers.ErrInvalid, err)
	}
	caller := handlers.Caller{Subject: g.Subject, Tenant: g.Tenant, Roles: g.Roles}
	if err := s.send(ctx, GrantRefreshToken{Auth: handlers.Auth{Caller: caller}, Grant: rec}); err != nil {
		return "", fmt.Errorf("%s: %w", op, err)
	}
	return token, nil
}

// Lookup returns the live grant of token: from the projection, else from
// the old file unless a revocation in the projection names it.
func (s *SharedRefreshStore) Lookup(ctx context.Context, token string, now time.Time) (RefreshGrant, error) {
	const op = "refresh token"
	if token == "" || len(token) > maxRefreshTokenBytes {
		return RefreshGrant{}, fmt.Errorf("%s: %w: malformed", op, handlers.ErrUnauthenticated)
	}
	rec, found, err := s.record(func(tx *bolt.Tx) []byte { return hashToken(token) })
	switch {
	case err != nil:
		return RefreshGrant{}, fmt.Errorf("%s: %w: %v", op, handlers.ErrUnavailable, err)
	case !found:
		return s.legacyLookup(ctx, token, now)
	case rec.RevokedAt != 0:
		return RefreshGrant{}, fmt.Errorf("%s: %w: revoked", op, handlers.ErrUnauthenticated)
	case now.Unix() >= rec.ExpiresAt:
		return RefreshGrant{}, fmt.Errorf("%s: %w: expired", op, handlers.ErrUnauthenticated)
	}
	sealed, err := openGrant(token, rec.ID, rec.Sealed)
	if err != nil {
		// Only a record not made by Issue fails to open: refuse it.
		return RefreshGrant{}, fmt.Errorf("%s: %w: %v", op, handlers.ErrUnauthenticated, err)
	}
	g := rec.grant()
	g.License, g.ClientID = sealed.License, sealed.ClientID
	return g, nil
}

// Grant returns grant id of tenant, from the projection or the old file.
// The licence and client id of a shared grant are sealed: they stay empty.
func (s *SharedRefreshStore) Grant(ctx context.Context, tenant, id string) (RefreshGrant, error) {
	rec, found, err := s.record(func(tx *bolt.Tx) []byte { return tx.Bucket([]byte(grantIDsBucket)).Get([]byte(id)) })
	switch {
	case err != nil:
		return RefreshGrant{}, fmt.Errorf("refresh grant: %w: %v", handlers.ErrUnavailable, err)
	case found && rec.Tenant == tenant:
		return rec.grant(), nil
	case found || s.legacy == nil:
		return RefreshGrant{}, fmt.Errorf("refresh grant: %w: no refresh grant %s", handlers.ErrNotFound, id)
	}
	return s.legacy.Grant(ctx, tenant, id)
}

// LiveGrants returns the ids of subject's live grants in tenant, the old
// file's included. It scans every grant: revocation is rare.
func (s *SharedRefreshStore) LiveGrants(ctx context.Context, tenant, subject string, now time.Time) ([]string, error) {
	var ids []string
	var subjectRevoked bool
	err := s.db.View(func(tx *bolt.Tx) error {
		subjectRevoked = tx.Bucket([]byte(legacyRevokedBucket)).Get(legacyKey("s:", tenant, subject)) != nil
		return tx.Bucket([]byte(GrantsBucket)).ForEach(func(_, v []byte) error {
			var r GrantRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return err
			}
			if r.Tenant == tenant && r.Subject == subject && r.RevokedAt == 0 && now.Unix() < r.ExpiresAt {
				ids = append(ids, r.ID)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("refresh grants: %w: %v", handlers.ErrUnavailable, err)
	}
	if s.legacy == nil || subjectRevoked {
		return ids, nil
	}
	old, err := s.legacy.LiveGrants(ctx, tenant, subject, now)
	if err != nil {
		return nil, err
	}
	for _, id := range old {
		if revoked, err := s.legacyRevoked(tenant, subject, id); err != nil {
			return nil, err
		} else if !revoked {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// record reads the grant whose token hash key returns.
func (s *SharedRefreshStore) record(key func(*bolt.Tx) []byte) (GrantRecord, bool, error) {
	var (
		rec   GrantRecord
		found bool
	)
	err := s.db.View(func(tx *bolt.Tx) error {
		k := key(tx)
		if k == nil {
			return nil
		}
		v := tx.Bucket([]byte(GrantsBucket)).Get(k)
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &rec)
	})
	return rec, found, err
}

func (s *SharedRefreshStore) legacyLookup(ctx context.Context, token string, now time.Time) (RefreshGrant, error) {
	if s.legacy == nil {
		return RefreshGrant{}, fmt.Errorf("refresh token: %w: unknown", handlers.ErrUnauthenticated)
	}
	g, err := s.legacy.Lookup(ctx, token, now)
	if err != nil {
		return RefreshGrant{}, err
	}
	revoked, err := s.legacyRevoked(g.Tenant, g.Subject, g.ID)
	switch {
	case err != nil:
		return RefreshGrant{}, err
	case revoked:
		return RefreshGrant{}, fmt.Errorf("refresh token: %w: revoked", handlers.ErrUnauthenticated)
	}
	return g, nil
}

// legacyRevoked says whether a revocation event named the old grant id or
// revoked every grant of its subject.
func (s *SharedRefreshStore) legacyRevoked(tenant, subject, id string) (bool, error) {
	var revoked bool
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte(legacyRevokedBucket))
		revoked = b.Get(legacyKey("i:", tenant, id)) != nil || b.Get(legacyKey("s:", tenant, subject)) != nil
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("refresh grants: %w: %v", handlers.ErrUnavailable, err)
	}
	return revoked, nil
}

// grant is r as the handlers see it, without the sealed fields.
func (r GrantRecord) grant() RefreshGrant {
	g := RefreshGrant{
		ID: r.ID, Subject: r.Subject, Tenant: r.Tenant, Roles: r.Roles, Plan: r.Plan, Service: r.Service,
		IssuedAt: time.Unix(r.IssuedAt, 0).UTC(), ExpiresAt: time.Unix(r.ExpiresAt, 0).UTC(),
	}
	if r.RevokedAt != 0 {
		g.RevokedAt = time.Unix(r.RevokedAt, 0).UTC()
	}
	return g
}
