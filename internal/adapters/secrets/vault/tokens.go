package vault

import (
	"context"
	"crypto/sha256"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

// tokenCache holds the Vault tokens exchanged for callers' JWTs, keyed by
// the JWT's SHA-256 so the map never holds a JWT. Entries live until
// shortly before the token or the JWT expires; the cache is bounded.
type tokenCache struct {
	max int

	mu sync.Mutex
	m  map[[sha256.Size]byte]cachedToken

	flights         singleflight.Group // one login per JWT at a time
	lookups, logins atomic.Uint64
}

type cachedToken struct {
	token   string
	expires time.Time
}

func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, m: map[[sha256.Size]byte]cachedToken{}}
}

func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || !now.Before(e.expires) {
		return "", false
	}
	return e.token, true
}

// put stores token until expires. A full cache first drops its expired
// entries, then, if still full, an arbitrary one: map order is random, and
// an evicted caller merely logs in again.
func (c *tokenCache) put(key [sha256.Size]byte, token string, expires, now time.Time) {
	if !expires.After(now) || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[key] = cachedToken{token: token, expires: expires}
}

// drop forgets key's token if it is still token (a newer one stays).
func (c *tokenCache) drop(key [sha256.Size]byte, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok && e.token == token {
		delete(c.m, key)
	}
}

// loginFunc exchanges a JWT for a Vault token and its lifetime.
type loginFunc func(ctx context.Context, jwt string) (token string, ttl time.Duration, err error)

type flightResult struct {
	token  string
	cached bool
}

// token returns a Vault token for jwt and whether it came from the cache. A
// miss logs in once for all concurrent callers of the same JWT; the login
// runs under its own timeout, so a caller giving up does not fail the others.
func (c *tokenCache) token(ctx context.Context, jwt string, skew, timeout time.Duration, login loginFunc) (string, bool, error) {
	tok, key, ok := c.cached(jwt)
	if ok {
		return tok, true, nil
	}
	return c.exchange(ctx, key, jwt, skew, timeout, login)
}

// cached looks jwt up, counted: its token and true when the cache holds
// one, else the key a miss's exchange takes.
func (c *tokenCache) cached(jwt string) (tok string, key [sha256.Size]byte, ok bool) {
	c.lookups.Add(1)
	key = sha256.Sum256([]byte(jwt))
	tok, ok = c.get(key, time.Now())
	return tok, key, ok
}

// exchange is token on a cache miss: one login per JWT at a time.
func (c *tokenCache) exchange(ctx context.Context, key [sha256.Size]byte, jwt string, skew, timeout time.Duration, login loginFunc) (string, bool, error) {
	ch := c.flights.DoChan(string(key[:]), func() (any, error) {
		// A flight that ended just before this one began has filled the cache.
		if tok, ok := c.get(key, time.Now()); ok {
			return flightResult{token: tok, cached: true}, nil
		}
		c.logins.Add(1)
		lctx, cancel := vaultconn.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		tok, ttl, err := login(lctx, jwt)
		if err != nil {
			return nil, err
		}
		now := time.Now()
		// Exp unknown: use the token for this call only, never cache it.
		if exp, ok := jwtExpiry(jwt); ok {
			expires := exp
			if ttl > 0 && now.Add(ttl).Before(exp) {
				expires = now.Add(ttl)
			}
			c.put(key, tok, expires.Add(-skew), now)
		}
		return flightResult{token: tok}, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", false, r.Err
		}
		res := r.Val.(flightResult)
		return res.token, res.cached, nil
	case <-ctx.Done():
		return "", false, context.Cause(ctx) // vaultconn's timeout, when it was that
	}
}
