package auth

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"golang.org/x/time/rate"
)

// unknownKIDEvery rate-limits the JWKS refresh a token with an unknown kid
// triggers: one per 5 minutes (keyfunc's default), so a flood of forged kids
// cannot hammer the issuer. The scheduled refresh does not depend on it.
const unknownKIDEvery = 5 * time.Minute

// newKeySet fetches the JWKS at url and keeps it fresh with jwkset's own
// refresh goroutine, every cfg.JWKSRefresh until ctx ends. keyfunc's
// NewDefaultOverrideCtx would do the same but cannot take the storage the
// refresh writes into; ours calls onReplace after every fetch that replaced
// the set, so the verified-token cache never outlives the keys it was
// checked against. A failed first fetch is an error (fail closed); a later
// failed refresh is logged and the last fetched set stays in use. stop ends
// the refresh early, for a caller that discards the key set.
func newKeySet(ctx context.Context, cfg Config, stats *keyStats, onReplace func()) (_ keyfunc.Keyfunc, stop func(), err error) {
	ctx, cancel := context.WithCancel(ctx)
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	store, err := jwkset.NewStorageFromHTTP(cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Ctx:             ctx,
		HTTPTimeout:     fetchTimeout,
		RefreshInterval: cfg.JWKSRefresh,
		// Logged, not fatal: the bound on a removed key's trust holds only
		// while refreshes succeed, so the operator must see them fail.
		RefreshErrorHandler: func(_ context.Context, err error) {
			if ctx.Err() != nil {
				return // shutting down: the refresh was cancelled
			}
			stats.failures.Add(1)
			logger.WarnContext(ctx, "JWKS refresh failed; the last fetched key set stays in use",
				"url", cfg.JWKSURL, "error", err)
		},
		Storage: observedStorage{Storage: jwkset.NewMemoryStorage(), onReplace: func() {
			stats.fetched.Store(time.Now().UnixNano())
			onReplace()
		}},
	})
	if err != nil {
		// The refresh goroutine starts before the first fetch: stop it.
		cancel()
		return nil, nil, err
	}
	client, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{cfg.JWKSURL: store},
		RateLimitWaitMax:  time.Minute,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKIDEvery), 1),
	})
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("jwks client: %w", err)
	}
	k, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: client})
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("keyfunc: %w", err)
	}
	return k, cancel, nil
}

// keyStats counts the refreshes of a key set for metrics and readiness.
type keyStats struct {
	failures atomic.Uint64 // failed refreshes
	fetched  atomic.Int64  // Unix nanoseconds of the last successful fetch
}

// JWKSRefreshFailures is how many JWKS refreshes failed since start (the
// last fetched key set stayed in use each time).
func (v *Verifier) JWKSRefreshFailures() uint64 { return v.stats.failures.Load() }

// JWKSFetched is when the key set was last fetched successfully.
func (v *Verifier) JWKSFetched() time.Time { return time.Unix(0, v.stats.fetched.Load()) }

// JWKSFresh reports a key set older than maxAge: refreshes have failed for
// that long, so a key the issuer removed may still be trusted.
func (v *Verifier) JWKSFresh(now time.Time, maxAge time.Duration) error {
	if age := now.Sub(v.JWKSFetched()); age > maxAge {
		return fmt.Errorf("JWKS %s last fetched %s ago (more than %s): refreshes fail", v.cfg.JWKSURL, age.Round(time.Second), maxAge)
	}
	return nil
}

// JWKSRefresh is how often the key set is fetched again.
func (v *Verifier) JWKSRefresh() time.Duration { return v.cfg.JWKSRefresh }

// observedStorage is the in-memory key set the refresh replaces wholesale,
// telling onReplace each time it did.
type observedStorage struct {
	jwkset.Storage
	onReplace func()
}

func (s observedStorage) KeyReplaceAll(ctx context.Context, keys []jwkset.JWK) error {
	if err := s.Storage.KeyReplaceAll(ctx, keys); err != nil {
		return err
	}
	s.onReplace()
	return nil
}
