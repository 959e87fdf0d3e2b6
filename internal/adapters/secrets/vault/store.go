// Package vaultstore is the production handlers.SecretStore: HashiCorp Vault
// KV v2. Every call acts with the caller's own Vault token, obtained by
// exchanging the caller's JWT at auth/{AuthMount}/login, so Vault's
// per-tenant policies confine it; the service's admin token is never used
// here. The adapter checks the tenant too, before Vault sees the request.
package vault

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

var _ handlers.SecretStore = (*Store)(nil)

// Store is a handlers.SecretStore on Vault KV v2. Safe for concurrent use.
type Store struct {
	cfg    Config
	client *api.Client // holds no token: each request carries its caller's
	// reader makes GETs without the API client (see get), or, when a
	// proxy is configured for Vault, http on the API client's http.Client
	// does; base is Vault's address.
	reader *vaultconn.Reader
	http   *http.Client
	base   string
	tokens *tokenCache
	// intents, when set (UseIntents), make a command's writes happen once.
	intents Intents
	metrics *vaultconn.Metrics // set by Observe; nil observes nothing
	// logger, set by SetLogger, is told once if exchanged tokens carry
	// Vault's default policy (warnDefaultPolicy).
	logger        *slog.Logger
	defaultPolicy sync.Once
}

// SetLogger gives the store a logger for what an operator should fix in
// Vault's configuration. Call it before the store is used.
func (s *Store) SetLogger(l *slog.Logger) { s.logger = l }

// warnDefaultPolicy logs, once, that the role hands out tokens with Vault's
// default policy: registryd needs none of it, and Vault parses it again
// (it is templated) on every request of such a token, about half of
// Vault's CPU per read (README, "Vault role").
func (s *Store) warnDefaultPolicy(policies []string) {
	if s.logger == nil || !slices.Contains(policies, "default") {
		return
	}
	s.defaultPolicy.Do(func() {
		s.logger.Warn("vault: tokens exchanged at auth/"+s.cfg.AuthMount+"/login carry Vault's default policy, which Vault parses again on every request (about half its CPU per read); set token_no_default_policy=true on the role (README, \"Vault role\")",
			"auth_mount", s.cfg.AuthMount, "role", s.cfg.Role)
	})
}

// MetricsAdapter is the adapter label of this store's Vault metrics.
const MetricsAdapter = "secrets"

// Observe makes every request record its time and failure in m (see
// vaultconn.Metrics). Call it before the store is used.
func (s *Store) Observe(m *vaultconn.Metrics) { s.metrics = m }

// New connects to Vault and checks it is reachable, initialised and
// unsealed, once: a Vault that is not is an error naming its address.
func New(ctx context.Context, cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("vaultstore: %w: %w", handlers.ErrInvalid, err)
	}
	cfg = cfg.withDefaults()
	client, reader, err := newClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vaultstore: %w", err)
	}
	s := &Store{
		cfg: cfg, client: client, reader: reader, tokens: newTokenCache(cfg.MaxCachedTokens),
		http: client.CloneConfig().HttpClient, base: strings.TrimSuffix(client.Address(), "/"),
	}
	if err := s.checkHealth(ctx); err != nil {
		return nil, fmt.Errorf("vaultstore: %w", err)
	}
	return s, nil
}

// newClient builds a client from cfg alone (see vaultconn). It never
// retries by itself, so retries stay bounded by MaxRetries.
func newClient(cfg Config) (*api.Client, *vaultconn.Reader, error) {
	return vaultconn.NewClientAndReader(vaultconn.Options{
		Addr: cfg.Addr, CACert: cfg.CACert, Timeout: cfg.Timeout,
		// Many goroutines share one Vault: keep their connections alive.
		MaxIdleConnsPerHost: 64,
	})
}

// Healthy reports whether Vault answers, initialised and unsealed: the
// readiness probe.
func (s *Store) Healthy(ctx context.Context) error { return s.checkHealth(ctx) }

func (s *Store) checkHealth(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	h, err := s.client.Sys().HealthWithContext(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("vault at %s is unreachable: %w: %w", s.cfg.Addr, handlers.ErrUnavailable, err)
	case !h.Initialized:
		return fmt.Errorf("vault at %s is not initialized: %w", s.cfg.Addr, handlers.ErrUnavailable)
	case h.Sealed:
		return fmt.Errorf("vault at %s is sealed: %w", s.cfg.Addr, handlers.ErrUnavailable)
	}
	return nil
}

// Stats reports the token cache: hits are token lookups answered without a
// login of their own (from the cache, or by joining a login already under
// way for the same JWT); misses are logins at Vault.
func (s *Store) Stats() (hits, misses uint64) {
	lookups, logins := s.tokens.lookups.Load(), s.tokens.logins.Load()
	if logins > lookups {
		return 0, logins
	}
	return lookups - logins, logins
}

// backoff is the pause before retry n (0-based): 50ms, 100ms, 200ms… ≤ 1s.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n, 5)
	return min(d, time.Second)
}
