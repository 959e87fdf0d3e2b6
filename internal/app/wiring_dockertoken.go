package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// Files of the registry token service in the data directory.
const (
	registryTokenKeyFile  = "registry-token-signing.key" // generated signing key (PKCS#8 PEM, 0600)
	registryTokenDBFile   = "registry-token.db"          // refresh grants of older versions (token hashes only), read-only
	registryTokenJWKSFile = "registry-token.jwks.json"   // public key set for distribution's auth.token.jwks
)

// registryToken is the Docker registry token service (seed 001) as the
// service runs it: GET/POST /token, a route of the REST facade
// (rest.Server.MountRegistryToken).
type registryToken struct {
	tokens  *registrytoken.Tokens
	signer  *registrytoken.Signer
	handler *registrytoken.Handler
	db      *bolt.DB // the old per-instance refresh grants, nil when absent
}

// tokenDeps is what the token service uses of the service around it.
type tokenDeps struct {
	bus      *bus.Bus
	queries  *query.Dispatcher
	projDB   *bolt.DB                        // holds registrytoken.RefreshProjection
	sync     func(ctx context.Context) error // WaitProjections
	verifier registrytoken.Verifier
	basic    *auth.BasicExchanger
	metrics  prometheus.Registerer
	logger   *slog.Logger
	policy   *policy.Engine // nil: no authorization policy
}

// openRegistryToken builds the token service from tc (--dev applies
// dockertoken.DevDefaults first): the signing key (tc.Signing.KeyPath, or
// one generated in dataDir), the refresh store (grants in the event log,
// read from the projection, with an older version's file in dataDir as a
// read-only fallback), the handlers, and the HTTP handler. It writes the
// public JWKS to dataDir for a registry's auth.token.jwks. It returns nil
// when the service is off. Close it with close.
func openRegistryToken(tc registrytoken.Config, dev bool, dataDir, adminRole string, d tokenDeps) (_ *registryToken, err error) {
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
		if refresh, err = rt.openRefresh(dataDir, d); err != nil {
			return nil, err
		}
	}
	if rt.tokens, err = registrytoken.NewTokens(tc, rt.signer, refresh, adminRole); err != nil {
		return nil, err
	}
	if d.policy != nil {
		rt.tokens.UsePolicy(d.policy)
	}
	if err := registerRegistryTokenHandlers(d.bus, d.queries, rt.tokens); err != nil {
		return nil, err
	}
	deps := registrytoken.HandlerDeps{Config: tc, Verifier: d.verifier, Bus: d.queries, Refresh: refresh, Metrics: d.metrics, Logger: d.logger}
	if d.basic != nil {
		deps.ClientCredentials = d.basic
	}
	rt.handler, err = registrytoken.NewHandler(deps)
	if err != nil {
		return nil, err
	}
	d.logger.Info("registry token service on", "path", "/token", "issuer", tc.Issuer, "kid", rt.signer.KID(),
		"alg", rt.signer.Algorithm(), "jwks", jwksPath, "plans", rt.tokens.Plans())
	return rt, nil
}

// registerRegistryTokenHandlers binds the registry token commands to their
// handlers. Handler names are consumer identities: never rename one
// casually.
func registerRegistryTokenHandlers(b *bus.Bus, q *query.Dispatcher, t *registrytoken.Tokens) error {
	for _, err := range []error{
		read(q, "registrytoken.issue", t.Issue),
		read(q, "registrytoken.reject", t.Reject),
		bus.Handle(b, "registrytoken.refresh.grant", t.GrantRefresh),
		bus.Handle(b, "registrytoken.refresh.revoke", t.Revoke),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// openRefresh builds the shared refresh store: grants are commands on the
// bus, read from the projection once applied here; an older version's
// grant file, when present, is opened read-only as the fallback.
func (rt *registryToken) openRefresh(dataDir string, d tokenDeps) (*registrytoken.SharedRefreshStore, error) {
	if err := registrytoken.CheckClearFields(events.ClearFields); err != nil {
		return nil, err
	}
	var legacy *registrytoken.BoltRefreshStore
	path := filepath.Join(dataDir, registryTokenDBFile)
	if _, err := os.Stat(path); err == nil {
		if rt.db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second, ReadOnly: true}); err != nil {
			return nil, fmt.Errorf("registry token: open %s: %w", path, err)
		}
		if legacy, err = registrytoken.NewBoltRefreshStore(rt.db); err != nil {
			return nil, err
		}
	}
	send := func(ctx context.Context, cmd registrytoken.GrantRefreshToken) error {
		reply, err := d.bus.Send(ctx, &cmd, bus.Envelope{Tenant: cmd.Caller.Tenant})
		if err == nil {
			err = reply.Error.Err()
		}
		if err != nil {
			return err
		}
		if err := d.sync(ctx); err != nil {
			return fmt.Errorf("%w: the refresh grant is not applied here yet: %v", handlers.ErrUnavailable, err)
		}
		return nil
	}
	return registrytoken.NewSharedRefreshStore(d.projDB, send, legacy)
}

func (rt *registryToken) close() error {
	if rt == nil || rt.db == nil {
		return nil
	}
	err := rt.db.Close()
	rt.db = nil
	return err
}
