package auth

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/hypo-registry/registry/handlers"
)

// DefaultBasicCacheTTL is how long a token exchanged for HTTP basic
// credentials is reused (seed 002: 10 minutes; set it to the issuer's token
// lifetime minus a minute).
const DefaultBasicCacheTTL = 10 * time.Minute

// BasicExchanger turns HTTP basic client credentials into a JWT at the
// issuer's token endpoint (OAuth 2.0 client_credentials grant, the client
// authenticated with HTTP basic) for tools that cannot do OpenID Connect.
// Tokens are cached per credentials, keyed by a SHA-256 of them (the
// secret itself is never kept), until the cache TTL or shortly before the
// token expires, whichever comes first. Refused credentials are
// ErrUnauthenticated; an unreachable issuer is ErrUnavailable: fail closed.
type BasicExchanger struct {
	tokenURL string
	ttl      time.Duration
	client   *http.Client
	flight   singleflight.Group

	mu    sync.Mutex
	cache map[[32]byte]exchanged
}

type exchanged struct {
	token   string
	expires time.Time
}

// NewBasicExchanger exchanges at tokenURL; ttl ≤ 0 means the default.
func NewBasicExchanger(tokenURL string, ttl time.Duration) (*BasicExchanger, error) {
	if err := checkHTTPURL(tokenURL); err != nil {
		return nil, fmt.Errorf("REGISTRY_AUTH_BASIC_TOKEN_URL: %w", err)
	}
	if ttl <= 0 {
		ttl = DefaultBasicCacheTTL
	}
	return &BasicExchanger{tokenURL: tokenURL, ttl: ttl, client: &http.Client{Timeout: fetchTimeout}, cache: map[[32]byte]exchanged{}}, nil
}

// maxCachedCredentials bounds the cache: past it, expired entries are
// dropped, and if none are, the whole cache.
const maxCachedCredentials = 10000

// Token returns a JWT for the client credentials id and secret.
func (b *BasicExchanger) Token(ctx context.Context, id, secret string) (string, error) {
	const op = "basic credentials"
	if id == "" || secret == "" {
		return "", refuse(op, ErrNoBearer)
	}
	key := sha256.Sum256([]byte(id + "\x00" + secret))
	now := time.Now()
	b.mu.Lock()
	if e, ok := b.cache[key]; ok && now.Before(e.expires) {
		b.mu.Unlock()
		return e.token, nil
	}
	b.mu.Unlock()
	v, err, _ := b.flight.Do(string(key[:]), func() (any, error) {
		// Shared by every caller with these credentials: the first caller
		// going away must not fail the others (the client's timeout bounds it).
		tok, expiresIn, err := b.exchange(context.WithoutCancel(ctx), id, secret)
		if err != nil {
			return "", err
		}
		until := time.Now().Add(b.ttl)
		if expiresIn > 0 {
			// Stop reusing a token a little before the issuer expires it.
			if tokenEnd := time.Now().Add(time.Duration(expiresIn)*time.Second - 30*time.Second); tokenEnd.Before(until) {
				until = tokenEnd
			}
		}
		b.mu.Lock()
		if len(b.cache) >= maxCachedCredentials {
			b.evictLocked(time.Now())
		}
		b.cache[key] = exchanged{token: tok, expires: until}
		b.mu.Unlock()
		return tok, nil
	})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

func (b *BasicExchanger) evictLocked(now time.Time) {
	for k, e := range b.cache {
		if !now.Before(e.expires) {
			delete(b.cache, k)
		}
	}
	if len(b.cache) >= maxCachedCredentials {
		clear(b.cache)
	}
}

// exchange does one client_credentials grant. Its errors never carry the
// secret or the issuer's response body.
func (b *BasicExchanger) exchange(ctx context.Context, id, secret string) (string, int, error) {
	const op = "basic credentials"
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w: %v", op, handlers.ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: the parts are form-encoded before HTTP basic.
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := b.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w: token endpoint unreachable", op, handlers.ErrUnavailable)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		return "", 0, refuse(op, ErrClientRefused)
	case resp.StatusCode != http.StatusOK:
		return "", 0, fmt.Errorf("%s: %w: token endpoint answered %s", op, handlers.ErrUnavailable, resp.Status)
	}
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil || body.AccessToken == "" {
		return "", 0, fmt.Errorf("%s: %w: token endpoint answered no access_token", op, handlers.ErrUnavailable)
	}
	return body.AccessToken, body.ExpiresIn, nil
}
