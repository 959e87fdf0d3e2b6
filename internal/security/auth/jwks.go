package auth

import (
	"context"
	"fmt"
	"log/slog"
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
func newKeySet(ctx context.Context, cfg Config, onReplace func()) (_ keyfunc.Keyfunc, stop func(), err error) {
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
			logger.WarnContext(ctx, "JWKS refresh failed; the last fetched key set stays in use",
				"url", cfg.JWKSURL, "error", err)
		},
		Storage: observedStorage{Storage: jwkset.NewMemoryStorage(), onReplace: onReplace},
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
