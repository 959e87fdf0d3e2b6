package vhost

import (
	"bytes"
	"slices"
	"sync"
)

// hostCacheSize bounds the decoded hosts a View keeps.
const hostCacheSize = 4096

// hostCache keeps the hosts View.Host decoded last, each beside the stored
// bytes it was decoded from: a heartbeat reads its host on every call, and
// a host record (its certificate PEM included) changes rarely. The stored
// bytes decide, so a cached host is never stale.
type hostCache struct {
	mu sync.RWMutex
	m  map[string]cachedHost
}

type cachedHost struct {
	raw  []byte
	host Host
}

// decode is decodeHost through the cache. The Host returned is the
// caller's own: its Owners are a copy.
func (c *hostCache) decode(name string, raw []byte) (Host, error) {
	c.mu.RLock()
	e, hit := c.m[name]
	c.mu.RUnlock()
	if hit && bytes.Equal(e.raw, raw) {
		h := e.host
		h.Owners = slices.Clone(e.host.Owners)
		return h, nil
	}
	h, err := decodeHost(name, raw)
	if err != nil {
		return h, err
	}
	kept := h
	kept.Owners = slices.Clone(h.Owners)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= hostCacheSize {
		c.m = make(map[string]cachedHost) // start over: simpler than eviction, and rare
	}
	c.m[name] = cachedHost{raw: bytes.Clone(raw), host: kept}
	c.mu.Unlock()
	return h, nil
}
