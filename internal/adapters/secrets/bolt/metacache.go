package bolt

import (
	"bytes"
	"maps"
	"sync"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// metaCacheSize bounds the decoded metadata kept for reads.
const metaCacheSize = 4096

// metaCache keeps the metadata reads decoded last, each beside the stored
// bytes it was decoded from: a read whose stored bytes are the same takes
// the decoded copy instead of parsing JSON again. The stored bytes decide,
// so the cache is never stale; metadata holds no secret.
type metaCache struct {
	mu sync.RWMutex
	m  map[string]cachedMeta
}

type cachedMeta struct {
	raw  []byte
	meta handlers.SecretMetadata
}

// load is loadMeta through the cache. The result is the caller's own: its
// Versions map is a copy.
func (c *metaCache) load(tx *bolt.Tx, p secretpath.Path) (handlers.SecretMetadata, bool, error) {
	key := p.String()
	raw := tx.Bucket(metaBucket).Get([]byte(key))
	if raw == nil {
		return handlers.SecretMetadata{}, false, nil
	}
	c.mu.RLock()
	e, hit := c.m[key]
	c.mu.RUnlock()
	if hit && bytes.Equal(e.raw, raw) {
		meta := e.meta
		meta.Versions = maps.Clone(e.meta.Versions)
		return meta, true, nil
	}
	meta, ok, err := loadMeta(tx, p)
	if err != nil || !ok {
		return meta, ok, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= metaCacheSize {
		c.m = make(map[string]cachedMeta) // start over: simpler than eviction, and rare
	}
	c.m[key] = cachedMeta{raw: bytes.Clone(raw), meta: handlers.SecretMetadata{
		CurrentVersion: meta.CurrentVersion, CreatedTime: meta.CreatedTime, UpdatedTime: meta.UpdatedTime,
		Versions: maps.Clone(meta.Versions),
	}}
	c.mu.Unlock()
	return meta, true, nil
}
