package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

// CreateGroup stores g unless a group of that name exists (ErrConflict) and
// returns it as stored: policies lower case, deduplicated and sorted. The
// policies need not exist, as in Vault.
func (s *Store) CreateGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	out, err := s.putGroup(ctx, g, false)
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("identitystore create group %q", g.Name), err)
	}
	return out, nil
}

// UpdateGroup replaces the policies and metadata of an existing group, or
// returns ErrNotFound. Names match case-insensitively (see groupKey).
func (s *Store) UpdateGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	out, err := s.putGroup(ctx, g, true)
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("identitystore update group %q", g.Name), err)
	}
	return out, nil
}

func (s *Store) putGroup(ctx context.Context, g handlers.Group, update bool) (handlers.Group, error) {
	if err := live(ctx); err != nil {
		return handlers.Group{}, err
	}
	g, err := handlers.NormaliseGroup(g)
	if err != nil {
		return handlers.Group{}, err
	}
	key := groupKey(g.Name)
	err = s.tx(true, func(tx *bolt.Tx) error {
		b := tx.Bucket(groupsBucket)
		old := b.Get(key)
		switch {
		case update && old == nil:
			return fmt.Errorf("%w: no group %q", handlers.ErrNotFound, g.Name)
		case !update && old != nil:
			return fmt.Errorf("%w: group %q exists", handlers.ErrConflict, g.Name)
		case update:
			// An update keeps the name as created, as Vault does.
			var prev handlers.Group
			if err := json.Unmarshal(old, &prev); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			g.Name = prev.Name
		}
		raw, err := json.Marshal(g)
		if err != nil {
			return fmt.Errorf("encode: %w", err)
		}
		return b.Put(key, raw)
	})
	if err != nil {
		return handlers.Group{}, err
	}
	return g, nil
}

// GetGroup returns the group called name, or ErrNotFound.
func (s *Store) GetGroup(ctx context.Context, name string) (handlers.Group, error) {
	var g handlers.Group
	err := s.groupTx(ctx, false, name, func(b *bolt.Bucket) error {
		raw := b.Get(groupKey(name))
		if raw == nil {
			return fmt.Errorf("%w: no group %q", handlers.ErrNotFound, name)
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	})
	if err != nil {
		return handlers.Group{}, handlers.OpErr(fmt.Sprintf("identitystore get group %q", name), err)
	}
	if g.Policies == nil {
		g.Policies = []string{}
	}
	return g, nil
}

// DeleteGroup removes the group called name, or returns ErrNotFound.
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	err := s.groupTx(ctx, true, name, func(b *bolt.Bucket) error {
		if b.Get(groupKey(name)) == nil {
			return fmt.Errorf("%w: no group %q", handlers.ErrNotFound, name)
		}
		return b.Delete(groupKey(name))
	})
	if err != nil {
		return handlers.OpErr(fmt.Sprintf("identitystore delete group %q", name), err)
	}
	return nil
}

// groupKey makes group names case-insensitive, as a Vault identity store is
// by default: "Tenant-A" and "tenant-a" are one group. The record keeps the
// name as created.
func groupKey(name string) []byte { return []byte(strings.ToLower(name)) }

func (s *Store) groupTx(ctx context.Context, write bool, name string, fn func(b *bolt.Bucket) error) error {
	if err := live(ctx); err != nil {
		return err
	}
	if err := handlers.CheckGroupName(name); err != nil {
		return err
	}
	return s.tx(write, func(tx *bolt.Tx) error { return fn(tx.Bucket(groupsBucket)) })
}
