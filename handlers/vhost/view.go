package vhost

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
)

// HostReader reads hosts and servers: the projection's View, declared here
// where the handlers use it. Missing hosts and servers are ErrNotFound.
type HostReader interface {
	Host(ctx context.Context, name string) (Host, error)
	// Hosts returns every host, by name.
	Hosts(ctx context.Context) ([]Host, error)
	Server(ctx context.Context, name, id string) (Server, error)
	// Servers returns every server of a host, stale ones included, by id.
	Servers(ctx context.Context, name string) ([]Server, error)
	// Dead returns at most limit servers that have not heartbeat for their
	// host's timeout plus horizon before now.
	Dead(ctx context.Context, now time.Time, horizon time.Duration, limit int) ([]ServerRef, error)
}

// View reads the projection's buckets. It never writes.
type View struct {
	db    *bbolt.DB
	cache *HostCache // nil: Host reads the database every time
}

var _ HostReader = (*View)(nil)

// NewView reads the projection kept in db. cache, when not nil, must be
// the one the Projection writing db tells of its changes (NewProjection).
// A nil db is a wiring bug.
func NewView(db *bbolt.DB, cache *HostCache) (*View, error) {
	if db == nil {
		return nil, errors.New("vhost: new view: nil database")
	}
	return &View{db: db, cache: cache}, nil
}

// Host returns the host called name.
func (v *View) Host(ctx context.Context, name string) (Host, error) {
	var gen uint64 // the cache's, before the database is read
	if v.cache != nil {
		if err := ctx.Err(); err != nil {
			return Host{}, fmt.Errorf("vhost: %w: %w", handlers.ErrUnavailable, err)
		}
		h, g, ok := v.cache.get(name)
		if ok {
			return h, nil
		}
		gen = g
	}
	var h Host
	err := v.read(ctx, func(hosts, _ *bbolt.Bucket) error {
		raw := hosts.Get([]byte(name))
		if raw == nil {
			return fmt.Errorf("virtual host %s: %w", name, handlers.ErrNotFound)
		}
		var err error
		h, err = decodeHost(name, raw)
		return err
	})
	if err == nil && v.cache != nil {
		v.cache.put(gen, h)
	}
	return h, err
}

// Hosts returns every host, by name.
func (v *View) Hosts(ctx context.Context) ([]Host, error) {
	var out []Host
	err := v.read(ctx, func(hosts, _ *bbolt.Bucket) error {
		return hosts.ForEach(func(k, raw []byte) error {
			h, err := decodeHost(string(k), raw)
			out = append(out, h)
			return err
		})
	})
	return out, err
}

// Server returns one server of a host, stale or not; an unknown host or
// server is ErrNotFound.
func (v *View) Server(ctx context.Context, name, id string) (Server, error) {
	var s Server
	err := v.read(ctx, func(hosts, servers *bbolt.Bucket) error {
		if err := hostExists(hosts, name); err != nil {
			return err
		}
		raw := servers.Get(serverKey(name, id))
		if raw == nil {
			return fmt.Errorf("server %s of %s: %w", id, name, handlers.ErrNotFound)
		}
		var err error
		s, err = decodeServer(id, raw)
		return err
	})
	return s, err
}

// Servers returns every server of a host, by id; an unknown host is
// ErrNotFound.
func (v *View) Servers(ctx context.Context, name string) ([]Server, error) {
	var out []Server
	err := v.read(ctx, func(hosts, servers *bbolt.Bucket) error {
		if err := hostExists(hosts, name); err != nil {
			return err
		}
		return eachServer(servers, name, func(s Server) error {
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// Dead lists servers whose last heartbeat is older than their host's
// timeout plus horizon, at most limit of them.
func (v *View) Dead(ctx context.Context, now time.Time, horizon time.Duration, limit int) ([]ServerRef, error) {
	var out []ServerRef
	errFull := errors.New("full")
	err := v.read(ctx, func(hosts, servers *bbolt.Bucket) error {
		return hosts.ForEach(func(k, raw []byte) error {
			h, err := decodeHost(string(k), raw)
			if err != nil {
				return err
			}
			cutoff := now.Add(-h.Timeout - horizon)
			return eachServer(servers, h.Name, func(s Server) error {
				if s.LastHeartbeat().Before(cutoff) {
					if len(out) == limit {
						return errFull
					}
					out = append(out, ServerRef{Name: h.Name, ID: s.ID, HB: s.HB})
				}
				return nil
			})
		})
	})
	if errors.Is(err, errFull) {
		err = nil
	}
	return out, err
}

func (v *View) read(ctx context.Context, fn func(hosts, servers *bbolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("vhost: %w: %w", handlers.ErrUnavailable, err)
	}
	return v.db.View(func(tx *bbolt.Tx) error {
		hosts, servers := tx.Bucket([]byte(HostsBucket)), tx.Bucket([]byte(ServersBucket))
		if hosts == nil || servers == nil {
			return fmt.Errorf("vhost: %w: the projection's buckets do not exist yet", handlers.ErrUnavailable)
		}
		return fn(hosts, servers)
	})
}

// hostExists is ErrNotFound for a host the projection does not hold.
func hostExists(hosts *bbolt.Bucket, name string) error {
	if hosts.Get([]byte(name)) == nil {
		return fmt.Errorf("virtual host %s: %w", name, handlers.ErrNotFound)
	}
	return nil
}

func decodeHost(name string, raw []byte) (Host, error) {
	var s storedHost
	if err := json.Unmarshal(raw, &s); err != nil {
		return Host{}, fmt.Errorf("vhost: host %s: %w", name, err)
	}
	return s.host(name), nil
}

func eachServer(servers *bbolt.Bucket, name string, fn func(Server) error) error {
	prefix := serverPrefix(name)
	c := servers.Cursor()
	for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, raw = c.Next() {
		s, err := decodeServer(string(k[len(prefix):]), raw)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
	}
	return nil
}

func decodeServer(id string, raw []byte) (Server, error) {
	var r serverRecord
	if err := json.Unmarshal(raw, &r); err != nil {
		return Server{}, fmt.Errorf("vhost: server %s: %w", id, err)
	}
	return r.server(id), nil
}
