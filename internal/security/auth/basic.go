package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"

	"github.com/hypo-registry/registry/handlers"
)

// DefaultBasicCacheTTL is how long a token exchanged for HTTP basic
// credentials is reused (seed 002: 10 minutes; set it to the issuer's token
// lifetime minus a minute).
const DefaultBasicCacheTTL = 10 * time.Minute

// The OAuth 2.0 grants HTTP basic credentials may be exchanged with
// (REGISTRY_AUTH_BASIC_GRANT).
const (
	// GrantClientCredentials takes the basic user name and password as a
	// client id and secret (RFC 6749 §4.4): robot accounts.
	GrantClientCredentials = "client_credentials"
	// GrantPassword takes them as a user's name and password, exchanged
	// as the configured client (RFC 6749 §4.3, the resource-owner password
	// grant; Keycloak's "Direct access grants"): docker login -u alice.
	GrantPassword = "password"
)

// BasicConfig configures a BasicExchanger.
type BasicConfig struct {
	// TokenURL is the issuer's token endpoint. Required.
	TokenURL string
	// CacheTTL bounds the reuse of an exchanged token; ≤ 0 means
	// DefaultBasicCacheTTL.
	CacheTTL time.Duration
	// Grant is GrantClientCredentials (default) or GrantPassword.
	Grant string
	// ClientID is the client the password grant is made as (its
	// client_id). Required with GrantPassword, unused otherwise.
	ClientID string
	// ClientSecret authenticates ClientID (client_secret); empty for a
	// public client.
	ClientSecret string
	// Logger is told, at most once a minute, that the issuer refuses the
	// configured client, so every password exchange fails (503). Default
	// slog.Default().
	Logger *slog.Logger
}

// Validate names every problem of c, each by its REGISTRY_AUTH_BASIC_*
// variable.
func (c BasicConfig) Validate() error {
	var errs []error
	if err := checkHTTPURL(c.TokenURL); err != nil {
		errs = append(errs, fmt.Errorf("REGISTRY_AUTH_BASIC_TOKEN_URL: %w", err))
	}
	if err := ValidateBasicGrant(c.Grant); err != nil {
		errs = append(errs, err)
	}
	if c.Grant == GrantPassword && c.ClientID == "" {
		errs = append(errs, errors.New("REGISTRY_AUTH_BASIC_GRANT=password needs REGISTRY_AUTH_BASIC_CLIENT_ID, the client the exchange is made as"))
	}
	return errors.Join(errs...)
}

// ValidateBasicGrant accepts "" (the default), client_credentials and
// password.
func ValidateBasicGrant(grant string) error {
	switch grant {
	case "", GrantClientCredentials, GrantPassword:
		return nil
	}
	return fmt.Errorf("REGISTRY_AUTH_BASIC_GRANT %q: want %s or %s", grant, GrantClientCredentials, GrantPassword)
}

// BasicExchanger turns HTTP basic credentials into a JWT at the issuer's
// token endpoint for tools that cannot do OpenID Connect: as client
// credentials (the client authenticated with HTTP basic), or, with
// GrantPassword, as a user's name and password (the password grant, made
// as the configured client). Tokens are cached per credentials, keyed by
// an HMAC of them under a key of this process (neither the password nor a
// plain hash of it is kept), until the cache TTL or shortly before the
// token expires, whichever comes first; refusals are never cached.
// Refused credentials are ErrUnauthenticated; an unreachable issuer, or
// one refusing the configured client, is ErrUnavailable: fail closed.
type BasicExchanger struct {
	cfg    BasicConfig
	ttl    time.Duration
	client *http.Client
	flight singleflight.Group
	key    [32]byte // HMAC key of the cache keys
	logger *slog.Logger
	warned atomic.Int64 // unix seconds of the last misconfigured-client warning

	mu    sync.Mutex
	cache map[[32]byte]exchanged
}

type exchanged struct {
	token   string
	expires time.Time
}

// NewBasicExchanger exchanges client credentials at tokenURL; ttl ≤ 0
// means the default.
func NewBasicExchanger(tokenURL string, ttl time.Duration) (*BasicExchanger, error) {
	return NewBasicExchangerWith(BasicConfig{TokenURL: tokenURL, CacheTTL: ttl})
}

// NewBasicExchangerWith exchanges as cfg says.
func NewBasicExchangerWith(cfg BasicConfig) (*BasicExchanger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Grant == "" {
		cfg.Grant = GrantClientCredentials
	}
	b := &BasicExchanger{cfg: cfg, ttl: cfg.CacheTTL, client: &http.Client{Timeout: fetchTimeout},
		logger: cfg.Logger, cache: map[[32]byte]exchanged{}}
	if b.ttl <= 0 {
		b.ttl = DefaultBasicCacheTTL
	}
	if b.logger == nil {
		b.logger = slog.Default()
	}
	if _, err := rand.Read(b.key[:]); err != nil {
		return nil, fmt.Errorf("basic credentials: %w", err)
	}
	return b, nil
}

// Grant is the grant credentials are exchanged with.
func (b *BasicExchanger) Grant() string { return b.cfg.Grant }

// maxCachedCredentials bounds the cache: past it, expired entries are
// dropped, and if none are, the whole cache.
const maxCachedCredentials = 10000

// Token returns a JWT for the basic credentials id and secret: a client id
// and secret, or with GrantPassword a user name and password.
func (b *BasicExchanger) Token(ctx context.Context, id, secret string) (string, error) {
	const op = "basic credentials"
	if id == "" || secret == "" {
		return "", refuse(op, ErrNoBearer)
	}
	key := b.cacheKey(id, secret)
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
		until := b.cacheUntil(tok, expiresIn)
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

// cacheKey is an HMAC of the length-prefixed id and secret: no two pairs
// share a key, and the cache holds nothing a password could be guessed
// from offline.
func (b *BasicExchanger) cacheKey(id, secret string) [32]byte {
	m := hmac.New(sha256.New, b.key[:])
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(id)))
	m.Write(n[:])
	m.Write([]byte(id))
	m.Write([]byte(secret))
	var key [32]byte
	m.Sum(key[:0])
	return key
}

// expirySlack is how long before the issuer expires a token it stops
// being reused.
const expirySlack = 30 * time.Second

// cacheUntil is when tok stops being reused: after the cache TTL, or a
// little before the token expires by expires_in or by its own exp claim
// (read without verifying: the token is verified on every use anyway).
func (b *BasicExchanger) cacheUntil(tok string, expiresIn int) time.Time {
	now := time.Now()
	until := now.Add(b.ttl)
	if expiresIn > 0 {
		if end := now.Add(time.Duration(expiresIn)*time.Second - expirySlack); end.Before(until) {
			until = end
		}
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(tok, &claims); err == nil && claims.ExpiresAt != nil {
		if end := claims.ExpiresAt.Add(-expirySlack); end.Before(until) {
			until = end
		}
	}
	return until
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

// exchange does one client_credentials or password grant. Its errors never
// carry the secret, the password or the issuer's response body.
func (b *BasicExchanger) exchange(ctx context.Context, id, secret string) (string, int, error) {
	const op = "basic credentials"
	form := url.Values{"grant_type": {b.cfg.Grant}}
	if b.cfg.Grant == GrantPassword {
		// The client in the form (client_secret_post), as Keycloak and
		// most issuers accept it for the password grant.
		form.Set("username", id)
		form.Set("password", secret)
		form.Set("client_id", b.cfg.ClientID)
		if b.cfg.ClientSecret != "" {
			form.Set("client_secret", b.cfg.ClientSecret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w: %v", op, handlers.ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if b.cfg.Grant == GrantClientCredentials {
		// RFC 6749 §2.3.1: the parts are form-encoded before HTTP basic.
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w: token endpoint unreachable", op, handlers.ErrUnavailable)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 1<<20)
	switch {
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		if b.cfg.Grant == GrantClientCredentials {
			return "", 0, refuse(op, ErrClientRefused)
		}
		return "", 0, b.passwordRefused(body)
	case resp.StatusCode != http.StatusOK:
		return "", 0, fmt.Errorf("%s: %w: token endpoint answered %s", op, handlers.ErrUnavailable, resp.Status)
	}
	var ok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(body).Decode(&ok); err != nil || ok.AccessToken == "" {
		return "", 0, fmt.Errorf("%s: %w: token endpoint answered no access_token", op, handlers.ErrUnavailable)
	}
	return ok.AccessToken, ok.ExpiresIn, nil
}

// passwordRefused reads a refused password grant (RFC 6749 §5.2): the
// user's credentials (invalid_grant, or anything else) are
// ErrUserRefused; the configured client refused or not allowed the grant
// is the operator's to fix, so no user could log in: ErrUnavailable, and
// a warning naming the settings.
func (b *BasicExchanger) passwordRefused(body io.Reader) error {
	const op = "basic credentials"
	var e struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(body).Decode(&e) // no JSON: the user's credentials
	switch e.Error {
	case "invalid_client", "unauthorized_client", "unsupported_grant_type":
		if now := time.Now().Unix(); now-b.warned.Load() >= 60 {
			b.warned.Store(now)
			b.logger.Warn("basic credentials: the issuer refuses the password grant as the configured client; check REGISTRY_AUTH_BASIC_CLIENT_ID, REGISTRY_AUTH_BASIC_CLIENT_SECRET and that the client may use it (Keycloak: Direct access grants)",
				"client_id", b.cfg.ClientID, "oauth_error", e.Error)
		}
		return fmt.Errorf("%s: %w: the issuer refuses the configured client (%s)", op, handlers.ErrUnavailable, e.Error)
	}
	return refuse(op, ErrUserRefused)
}
