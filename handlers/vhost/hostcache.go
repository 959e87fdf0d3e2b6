package vhost

import (
	"slices"
	"sync"
)

// hostCacheSize bounds the decoded hosts a HostCache keeps.
const hostCacheSize = 4096

// HostCache keeps the hosts View.Host read last, decoded, so that the
// heartbeat, which reads its host on every call, opens no transaction of
// the projection's database for it. A host record changes only when the
// projection applies a host's creation or deletion, and the projection
// tells the cache after that transaction commits (NewProjection): the
// entry goes, and so does any read that began before and would store
// what it read (gen). Share one between the View the handlers read and
// the Projection that writes its database; a View without one reads the
// database every time.
type HostCache struct {
	mu  sync.RWMutex
	gen uint64 // changes with every host the projection changes
	m   map[string]Host
}

// NewHostCache returns an empty cache.
func NewHostCache() *HostCache { return &HostCache{m: map[string]Host{}} }

// get returns the cached host called name, a copy the caller owns, and
// the generation to store a host read from the database under (put).
func (c *HostCache) get(name string) (Host, uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	h, ok := c.m[name]
	if ok {
		h.Owners = slices.Clone(h.Owners)
	}
	return h, c.gen, ok
}

// put keeps h, read from the database after get returned gen, unless a
// host changed since: the read may then have seen the database before
// that change.
func (c *HostCache) put(gen uint64, h Host) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.m) >= hostCacheSize {
		clear(c.m) // start over: simpler than eviction, and rare
	}
	h.Owners = slices.Clone(h.Owners)
	c.m[h.Name] = h
}

// changed is told, once the transaction is durable, that the projection
// created or deleted the host called name.
func (c *HostCache) changed(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.m, name)
}
