package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
)

// fetchTimeout bounds each discovery and JWKS request, so a hanging issuer
// fails start-up (and unknown-kid refreshes) instead of blocking them.
const fetchTimeout = 10 * time.Second

// maxTokenBytes refuses absurdly large bearer values before any parsing.
const maxTokenBytes = 32 << 10

// Verifier checks bearer JWTs against one issuer's JWKS. The key set is
// fetched at start, again every Config.JWKSRefresh, and on an unknown kid
// (at most once per unknownKIDEvery, so a flood of forged kids cannot hammer
// the issuer). A key removed from the JWKS is therefore refused at most one
// refresh interval plus one fetch after its removal: the verified-token
// cache is emptied by every refresh. Safe for concurrent use.
type Verifier struct {
	cfg    Config
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
	cache  *verifiedCache
	stats  *keyStats
}

// NewVerifier discovers the JWKS URL if needed and fetches the key set. If
// either cannot be fetched it returns an error naming the URL: without keys
// every request would be refused anyway, so start-up fails loudly instead.
// ctx bounds the background refresh: cancel it when the Verifier is done.
func NewVerifier(ctx context.Context, cfg Config) (*Verifier, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("new verifier: %w", err)
	}
	if cfg.JWKSURL == "" {
		u, err := discoverJWKS(ctx, cfg.Issuer)
		if err != nil {
			return nil, fmt.Errorf("new verifier: %w", err)
		}
		cfg.JWKSURL = u
	}
	cache := newVerifiedCache()
	stats := &keyStats{}
	k, stop, err := newKeySet(ctx, cfg, stats, cache.invalidate)
	if err != nil {
		return nil, fmt.Errorf("new verifier: fetch JWKS %s: %w", cfg.JWKSURL, err)
	}
	all, err := k.Storage().KeyReadAll(ctx)
	if err != nil {
		stop()
		return nil, fmt.Errorf("new verifier: read JWKS %s: %w", cfg.JWKSURL, err)
	}
	if len(all) == 0 {
		stop()
		return nil, fmt.Errorf("new verifier: JWKS %s holds no usable key", cfg.JWKSURL)
	}
	return &Verifier{
		cfg:   cfg,
		keys:  k,
		cache: cache,
		stats: stats,
		parser: jwt.NewParser(
			jwt.WithValidMethods(cfg.Algorithms),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
		),
	}, nil
}

// JWKSURL is the key set URL in use, discovered or configured.
func (v *Verifier) JWKSURL() string { return v.cfg.JWKSURL }

// Verify checks raw's signature, algorithm, iss, aud, exp, nbf and iat, then
// extracts subject, tenant and roles. Every failure wraps
// handlers.ErrUnauthenticated and one reason (ErrExpired, …); the message
// never contains the token or a claim value.
func (v *Verifier) Verify(ctx context.Context, raw string) (Principal, error) {
	const op = "verify token"
	if raw == "" || len(raw) > maxTokenBytes {
		return Principal{}, refuse(op, ErrMalformed)
	}
	now := time.Now()
	if p, ok := v.cache.get(raw, now); ok {
		return p, nil
	}
	// Read before the key is looked up: if a refresh replaces the key set
	// meanwhile, the result is not cached (it was checked against old keys).
	gen := v.cache.generation()
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(raw, claims, v.keyfunc(ctx))
	if err != nil {
		return Principal{}, refuse(op, v.reason(tok, err))
	}
	p, err := principalFrom(claims, v.cfg)
	if err != nil {
		return Principal{}, refuse(op, err)
	}
	p.Token = raw
	v.cache.put(raw, p, now, gen)
	return p, nil
}

// keyfunc finds the key of tok in the JWKS, after refusing a "crit" header:
// RFC 7515 §4.1.11 requires rejecting a JWS whose critical extensions the
// recipient does not understand, and this service understands none. The
// check comes first so such a token never triggers an unknown-kid refresh.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	find := v.keys.KeyfuncCtx(ctx)
	return func(tok *jwt.Token) (any, error) {
		if _, ok := tok.Header["crit"]; ok {
			return nil, ErrCritical
		}
		return find(tok)
	}
}

// reason refines reasonOf: jwt reports a disallowed alg as a bad signature,
// but "alg: none" or HS256 is an algorithm problem, and saying so helps the
// operator reading the log.
func (v *Verifier) reason(tok *jwt.Token, err error) error {
	if errors.Is(err, jwt.ErrTokenSignatureInvalid) && tok != nil {
		alg, _ := tok.Header["alg"].(string)
		if !slices.Contains(v.cfg.Algorithms, alg) {
			return ErrAlgorithm
		}
	}
	if errors.Is(err, ErrCritical) {
		return ErrCritical
	}
	return reasonOf(err)
}
