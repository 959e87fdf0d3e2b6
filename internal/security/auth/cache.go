package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// Verified tokens are remembered for at most cacheAge and never past their
// exp: a client sending the same token on every request pays one signature
// check per cacheAge instead of one per request (an RS256 verification is
// ~60µs of CPU, the largest single cost of a request). Every JWKS refresh
// empties the cache (invalidate), so a key removed from the JWKS is not
// honoured from here once the refresh has seen it gone.
const (
	cacheAge     = 30 * time.Second
	cacheEntries = 10_000
)

type verifiedCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]cachedPrincipal
	hits    uint64
	gen     uint64 // key set generation: bumped by every invalidate
}

type cachedPrincipal struct {
	p     Principal
	until time.Time
}

func newVerifiedCache() *verifiedCache {
	return &verifiedCache{entries: make(map[[sha256.Size]byte]cachedPrincipal)}
}

// get returns the principal of raw if it verified recently and is still
// within its lifetime.
func (c *verifiedCache) get(raw string, now time.Time) (Principal, bool) {
	key := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return Principal{}, false
	}
	if !now.Before(e.until) {
		delete(c.entries, key)
		return Principal{}, false
	}
	c.hits++
	return e.p, true
}

// generation is the key set generation to pass to put.
func (c *verifiedCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// invalidate forgets every entry: the key set they were verified against
// has just been replaced.
func (c *verifiedCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.gen++
}

// put remembers p for raw, unless the key set changed since gen was read:
// then raw was verified against keys that may no longer be trusted.
func (c *verifiedCache) put(raw string, p Principal, now time.Time, gen uint64) {
	until := now.Add(cacheAge)
	if !p.Expiry.IsZero() && p.Expiry.Before(until) {
		until = p.Expiry
	}
	if !now.Before(until) {
		return
	}
	key := sha256.Sum256([]byte(raw))
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= cacheEntries {
		c.evict(now)
	}
	c.entries[key] = cachedPrincipal{p: p, until: until}
}

// evict drops expired entries, then, if still full, an arbitrary tenth.
func (c *verifiedCache) evict(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.until) {
			delete(c.entries, k)
		}
	}
	drop := len(c.entries) - cacheEntries*9/10
	for k := range c.entries {
		if drop <= 0 {
			break
		}
		delete(c.entries, k)
		drop--
	}
}

// CacheHits reports how many Verify calls were answered from the cache.
func (v *Verifier) CacheHits() uint64 {
	v.cache.mu.Lock()
	defer v.cache.mu.Unlock()
	return v.cache.hits
}
