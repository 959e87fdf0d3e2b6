package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

// CreatePolicy stores p unless a policy of that name exists (ErrConflict).
// The name is stored lower case, as Vault does.
func (s *Store) CreatePolicy(ctx context.Context, p handlers.Policy) error {
	if err := s.putPolicy(ctx, p, false); err != nil {
		return handlers.OpErr(fmt.Sprintf("identitystore create policy %q", p.Name), err)
	}
	return nil
}

// PutPolicy creates or replaces p.
func (s *Store) PutPolicy(ctx context.Context, p handlers.Policy) error {
	if err := s.putPolicy(ctx, p, true); err != nil {
		return handlers.OpErr(fmt.Sprintf("identitystore put policy %q", p.Name), err)
	}
	return nil
}

func (s *Store) putPolicy(ctx context.Context, p handlers.Policy, replace bool) error {
	return s.policyTx(ctx, true, p.Name, func(b *bolt.Bucket, key string) error {
		if err := checkRules(p.Rules); err != nil {
			return err
		}
		if !replace && b.Get([]byte(key)) != nil {
			return fmt.Errorf("%w: policy %q exists", handlers.ErrConflict, key)
		}
		raw, err := json.Marshal(handlers.Policy{Name: key, Rules: p.Rules})
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put([]byte(key), raw)
	})
}

// GetPolicy returns the policy called name (any case), or ErrNotFound.
func (s *Store) GetPolicy(ctx context.Context, name string) (handlers.Policy, error) {
	var p handlers.Policy
	err := s.policyTx(ctx, false, name, func(b *bolt.Bucket, key string) error {
		raw := b.Get([]byte(key))
		if raw == nil {
			return fmt.Errorf("%w: no policy %q", handlers.ErrNotFound, key)
		}
		if err := json.Unmarshal(raw, &p); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	})
	if err != nil {
		return handlers.Policy{}, handlers.OpErr(fmt.Sprintf("identitystore get policy %q", name), err)
	}
	return p, nil
}

// DeletePolicy removes the policy called name, or returns ErrNotFound.
// Groups naming it keep the name, as in Vault: it grants nothing until a
// policy of that name exists again.
func (s *Store) DeletePolicy(ctx context.Context, name string) error {
	err := s.policyTx(ctx, true, name, func(b *bolt.Bucket, key string) error {
		if b.Get([]byte(key)) == nil {
			return fmt.Errorf("%w: no policy %q", handlers.ErrNotFound, key)
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return handlers.OpErr(fmt.Sprintf("identitystore delete policy %q", name), err)
	}
	return nil
}

// policyTx runs fn in a transaction on the policies bucket, with name
// checked and normalised to its key.
func (s *Store) policyTx(ctx context.Context, write bool, name string, fn func(b *bolt.Bucket, key string) error) error {
	if err := live(ctx); err != nil {
		return err
	}
	key, err := handlers.PolicyName(name)
	if err != nil {
		return err
	}
	return s.tx(write, func(tx *bolt.Tx) error { return fn(tx.Bucket(policiesBucket), key) })
}

func (s *Store) tx(write bool, fn func(tx *bolt.Tx) error) error {
	if write {
		return dbErr(s.db.Update(fn))
	}
	return dbErr(s.db.View(fn))
}

// live refuses work for a context already done.
func live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", handlers.ErrUnavailable, err)
	}
	return nil
}
