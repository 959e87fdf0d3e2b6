package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// Files of the registry token service in the data directory.
const (
	registryTokenKeyFile  = "registry-token-signing.key" // generated signing key (PKCS#8 PEM, 0600)
	registryTokenDBFile   = "registry-token.db"          // refresh grants (token hashes only)
	registryTokenJWKSFile = "registry-token.jwks.json"   // public key set for distribution's auth.token.jwks
)

// registryToken is the Docker registry token service (seed 001) as the
// service runs it: GET/POST /token on the REST listener.
type registryToken struct {
	tokens  *registrytoken.Tokens
	signer  *registrytoken.Signer
	handler *registrytoken.Handler
	store   *registrytoken.BoltRefreshStore // nil when refresh tokens are disabled
	db      *bolt.DB
}

// openRegistryToken builds the token service from tc (--dev applies
// dockertoken.DevDefaults first): the signing key (tc.Signing.KeyPath, or
// one generated in dataDir), the refresh store, the handlers on b, and the
// HTTP handler. It writes the public JWKS to dataDir for a registry's
// auth.token.jwks. It returns nil when the service is off. Close it with
// close.
func openRegistryToken(tc registrytoken.Config, dev bool, dataDir, adminRole string, b *bus.Bus, q *query.Dispatcher,
	verifier registrytoken.Verifier, basic *auth.BasicExchanger, reg prometheus.Registerer, logger *slog.Logger) (_ *registryToken, err error) {
	if dev {
		tc = registrytoken.DevDefaults(tc)
	}
	if !tc.Enabled {
		return nil, nil
	}
	tc = tc.WithDefaults()
	if err := tc.Validate(); err != nil {
		return nil, fmt.Errorf("registry token: %w", err)
	}
	rt := &registryToken{}
	defer func() {
		if err != nil {
			_ = rt.close()
		}
	}()
	key, err := registrytoken.LoadOrCreateKey(tc.Signing, filepath.Join(dataDir, registryTokenKeyFile))
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_TOKEN_SIGNING_KEY_PATH: %w", err)
	}
	if rt.signer, err = registrytoken.NewSigner(key, tc.Signing.KeyID, tc.Signing.KeyIDFormat); err != nil {
		return nil, err
	}
	jwksPath := filepath.Join(dataDir, registryTokenJWKSFile)
	if err := os.WriteFile(jwksPath, rt.signer.JWKS(), 0o644); err != nil { // public key: readable on purpose
		return nil, fmt.Errorf("registry token: write %s: %w", jwksPath, err)
	}
	var refresh registrytoken.RefreshStore
	if !tc.Refresh.Disabled {
		path := filepath.Join(dataDir, registryTokenDBFile)
		if rt.db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second}); err != nil {
			return nil, fmt.Errorf("registry token: open %s: %w", path, err)
		}
		if rt.store, err = registrytoken.NewBoltRefreshStore(rt.db); err != nil {
			return nil, err
		}
		refresh = rt.store
	}
	if rt.tokens, err = registrytoken.NewTokens(tc, rt.signer, refresh, adminRole); err != nil {
		return nil, err
	}
	if err := registerRegistryTokenHandlers(b, q, rt.tokens); err != nil {
		return nil, err
	}
	deps := registrytoken.HandlerDeps{Config: tc, Verifier: verifier, Bus: q, Refresh: refresh, Metrics: reg, Logger: logger}
	if basic != nil {
		deps.ClientCredentials = basic
	}
	rt.handler, err = registrytoken.NewHandler(deps)
	if err != nil {
		return nil, err
	}
	logger.Info("registry token service on", "path", "/token", "issuer", tc.Issuer, "kid", rt.signer.KID(),
		"alg", rt.signer.Algorithm(), "jwks", jwksPath, "plans", rt.tokens.Plans())
	return rt, nil
}

// registerRegistryTokenHandlers binds the registry token commands to their
// handlers. Handler names are consumer identities: never rename one
// casually.
func registerRegistryTokenHandlers(b *bus.Bus, q *query.Dispatcher, t *registrytoken.Tokens) error {
	for _, err := range []error{
		read(b, q, "registrytoken.issue", t.Issue),
		read(b, q, "registrytoken.reject", t.Reject),
		bus.Handle(b, "registrytoken.refresh.revoke", t.Revoke),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// mount serves /token from the token service and everything else from
// next (the REST facade, which already answers /healthz).
func (rt *registryToken) mount(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/token", rt.handler)
	mux.Handle("/", next)
	return mux
}

// pruneRefresh drops expired and revoked refresh grants once they are a day
// old, hourly, until ctx is done. A nil token service returns at once.
func (rt *registryToken) pruneRefresh(ctx context.Context, logger *slog.Logger) error {
	if rt == nil || rt.store == nil {
		return nil
	}
	every(ctx, time.Hour, logger, "pruning registry refresh tokens", func(context.Context) error {
		n, err := rt.store.Prune(time.Now().Add(-24 * time.Hour))
		if err == nil && n > 0 {
			logger.Debug("pruned registry refresh tokens", "count", n)
		}
		return err
	})
	return nil
}

func (rt *registryToken) close() error {
	if rt == nil || rt.db == nil {
		return nil
	}
	err := rt.db.Close()
	rt.db = nil
	return err
}
