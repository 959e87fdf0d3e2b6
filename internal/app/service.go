package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/sync/errgroup"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/handlers/vhost"
	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	kafkalog "github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	boltstore "github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	vaultstore "github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/buildinfo"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/query"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/internal/security/terminaltoken"
	"github.com/hypo-registry/registry/projections"
)

// projectionBatchDelay trades a little projection lag for far fewer
// projection fsyncs competing with the event log's.
const projectionBatchDelay = 10 * time.Millisecond

// Service is a running registryd: every adapter, built and wired.
type Service struct {
	cfg      Config
	logger   *slog.Logger
	listener net.Listener
	server   *http.Server
	dev      *devIssuer
	bus      *bus.Bus
	queries  *query.Dispatcher // reads, lists, token issuance: called directly
	audit    *auditlog.Log     // the one audit chain: queries' records and command events
	// auditFeed appends the local event log's events to audit.
	auditFeed *auditFeed
	// compactor drops superseded events from the embedded event log; nil
	// with Kafka.
	compactor *eventCompactor
	store     handlers.SecretStore
	vault     *vaultstore.Store // nil when embedded
	identity  handlers.IdentityAdmin
	log       outcomeLog
	events    *eventlog.Log       // embedded event log, nil with Kafka
	runner    *projections.Runner // embedded projections, nil with Kafka
	feed      *kafkalog.Feed      // projections from Kafka, nil embedded
	kafka     *kafkalog.Log       // the Kafka event log, nil embedded
	projDB    *bolt.DB
	rest      *rest.Server
	// southbound consumes the HypO Kafka topics, nil without Kafka.
	southbound *southboundRunner
	vhosts     *vhost.Handlers
	vhostBeats *vhost.Beats     // shared by the virtual-host handlers and projection
	vhostHosts *vhost.HostCache // the same
	token      *registryToken   // the Docker registry token service, nil when off
	roles      *rolemap.View
	// policy is the operator's authorization policy, nil without one.
	policy   *policy.Engine
	closers  []func() error
	instance string // this instance's id (loadInstanceID)
	// poisoned is registry_kafka_poisoned_records_total, nil without Kafka.
	poisoned *prometheus.CounterVec
	// projectionNames name the projections; feedLag is the Kafka feed's
	// last measured lag, -1 before the first (measureFeedLag).
	projectionNames []string
	feedLag         atomic.Int64
}

// New builds the service and opens its listeners; Run serves. On error
// everything opened so far is closed again. Vault, Kafka or the JWKS
// unreachable at start is an error naming it.
func New(ctx context.Context, cfg Config, logger *slog.Logger, level *slog.LevelVar) (_ *Service, err error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	s := &Service{cfg: cfg, logger: logger, vhostBeats: vhost.NewBeats(), vhostHosts: vhost.NewHostCache()}
	s.feedLag.Store(-1)
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("REGISTRY_DATA_DIR %s: %w", cfg.DataDir, err)
	}
	host, _ := os.Hostname()
	if s.instance, err = loadInstanceID(cfg.DataDir, cfg.InstanceID, host); err != nil {
		return nil, fmt.Errorf("instance id: %w", err)
	}
	if cfg.Kafka.ConsumerGroup == "" {
		// The projections' group follows the data directory they live in.
		cfg.Kafka.ConsumerGroup = kafkalog.DefaultGroupPrefix + s.instance
		s.cfg.Kafka.ConsumerGroup = cfg.Kafka.ConsumerGroup
	}
	ring, err := seal.LoadKeyring(datadir.Path(cfg.DataDir, datadir.SealKey), cfg.SealKey)
	if err != nil {
		return nil, fmt.Errorf("at-rest key ring: %w", err)
	}
	auditKey, err := redact.LoadKey(datadir.Path(cfg.DataDir, datadir.AuditKey))
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	hasher, err := redact.NewHasher(auditKey)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if err := s.openSecretStore(ctx, ring); err != nil {
		return nil, err
	}
	if err := s.openIdentity(ctx); err != nil {
		return nil, err
	}
	if err := s.openEventLog(ctx); err != nil {
		return nil, err
	}
	if err := s.openAudit(); err != nil {
		return nil, err
	}
	if s.vault != nil {
		s.vault.UseIntents(s.log)
	}
	if cfg.Dev {
		if s.dev, err = startDevIssuer(cfg, logger); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, s.dev.close)
		cfg.OIDC.Issuer = s.dev.issuer.IssuerURL()
		s.cfg = cfg
	}
	oidc := cfg.OIDC
	oidc.Logger = logger
	verifier, err := auth.NewVerifier(ctx, oidc)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_OIDC_ISSUER: %w", err)
	}

	var basic *auth.BasicExchanger
	if cfg.BasicAuth.Enabled {
		tokenURL := cfg.BasicAuth.TokenURL
		if tokenURL == "" {
			if tokenURL, err = auth.DiscoverTokenEndpoint(ctx, cfg.OIDC.Issuer); err != nil {
				return nil, fmt.Errorf("REGISTRY_AUTH_BASIC_TOKEN_URL unset and not discoverable: %w", err)
			}
		}
		ba := cfg.BasicAuth
		if basic, err = auth.NewBasicExchangerWith(auth.BasicConfig{TokenURL: tokenURL, CacheTTL: ba.CacheTTL,
			Grant: ba.Grant, ClientID: ba.ClientID, ClientSecret: ba.ClientSecret, Logger: logger}); err != nil {
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		buildinfo.Read().Collector())
	if err := s.registerMetrics(reg, verifier); err != nil {
		return nil, err
	}
	if err := s.openPolicy(ctx, hasher, reg); err != nil {
		return nil, err
	}
	if s.bus, err = bus.New(cfg.Bus, bus.Deps{Log: s.log, Sealer: ring, Redactor: hasher, Logger: logger, Metrics: reg}); err != nil {
		return nil, err
	}
	if s.queries, err = query.New(queryAudit{log: s.audit, redactor: hasher, now: time.Now}, cfg.Bus, logger); err != nil {
		return nil, err
	}
	credentials, err := s.credentialOptions()
	if err != nil {
		return nil, err
	}
	if err := registerHandlers(s.bus, s.queries, s.store, credentials); err != nil {
		return nil, err
	}
	if err := registerIdentityHandlers(s.bus, s.identity, cfg); err != nil {
		return nil, err
	}
	var signer *terminaltoken.Signer
	if cfg.TerminalTokenKeyPath != "" {
		if signer, err = terminaltoken.Load(cfg.TerminalTokenKeyPath, cfg.TerminalToken); err != nil {
			err = fmt.Errorf("REGISTRY_TERMINAL_TOKEN_KEY_PATH: %w", err)
		}
	} else {
		signer, err = terminaltoken.LoadOrCreate(datadir.Path(cfg.DataDir, datadir.TerminalKey), cfg.TerminalToken)
	}
	if err != nil {
		return nil, err
	}
	if err := registerKubeconfHandlers(s.bus, s.queries, s.store, signer, credentials); err != nil {
		return nil, err
	}
	if err := registerAuditReads(s.queries, s.AuditDir(), s.instance, cfg); err != nil {
		return nil, err
	}
	if s.token, err = openRegistryToken(cfg.RegistryToken, cfg.Dev, cfg.DataDir, cfg.AdminRole, tokenDeps{
		bus: s.bus, queries: s.queries, projDB: s.projDB, sync: s.WaitProjections,
		verifier: verifier, basic: basic, metrics: reg, logger: logger, policy: s.policy,
	}); err != nil {
		return nil, err
	}
	if s.token != nil {
		s.closers = append(s.closers, s.token.close)
	}
	if s.roles, err = registerRoleMappings(s.bus, s.projDB, cfg.AdminRole); err != nil {
		return nil, err
	}
	if s.vhosts, err = registerVirtualHostHandlers(s.bus, s.queries, s.store, s.projDB, s.vhostBeats, s.vhostHosts, cfg.virtualHostConfig()); err != nil {
		return nil, err
	}
	if err := s.openSouthbound(verifier, reg); err != nil {
		return nil, err
	}
	s.rest, err = rest.New(rest.Deps{
		Bus: s.bus, Queries: s.queries, Verifier: verifier, Logger: logger, LogLevel: level, Instance: s.instance,
		Metrics: reg, Gatherer: reg, AdminRole: cfg.AdminRole,
		Ready: s.readyChecks(verifier), Live: s.liveChecks(), ReadyInfo: s.readyInfo, Authz: cfg.authzConfig(), Basic: restBasic(basic), Roles: s.roleMappings(),
		NoAccessLog: cfg.NoAccessLog, Policy: s.policy,
	})
	if err != nil {
		return nil, err
	}
	s.rest.MountTerminalJWKS(signer)
	s.rest.MountRoleMappings(s.WaitProjections)
	s.rest.MountRegistryTokenRevocation(s.token != nil, s.WaitProjections)
	if s.token != nil {
		s.rest.MountRegistryToken(s.token.handler, s.token.signer)
	}
	if err := s.rest.MountVirtualHosts(rest.VirtualHostDeps{
		Queries: s.vhosts.Queries(), Sync: s.WaitProjections, AnonymousRead: cfg.Authz.AnonymousRead,
		OwnerClaims: s.vhosts.Config().OwnerClaims(),
	}); err != nil {
		return nil, err
	}
	if s.listener, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, fmt.Errorf("REGISTRY_HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
	}
	if s.dev != nil {
		if err := s.dev.addConsole(s.Addr(), cfg.TLS.Enabled()); err != nil {
			return nil, err
		}
	}
	handler, err := s.mountConsole(s.rest, verifier, reg)
	if err != nil {
		return nil, err
	}
	handler = announceReads(s.queries, handler)
	handler = respond.CSP(rest.LimitHeaders(handler))
	var tlsCfg *tls.Config
	if cfg.TLS.Enabled() {
		if tlsCfg, err = cfg.TLS.serverTLS(logger); err != nil {
			return nil, err
		}
		handler = hsts(handler)
	}
	s.server = &http.Server{
		Handler:           handler,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    rest.HeaderReadLimit, // rest.LimitHeaders enforces rest.MaxHeaderBytes
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Addr is the REST listener's address (useful with port 0).
func (s *Service) Addr() string { return s.listener.Addr().String() }

// BaseURL is the REST base URL on loopback.
func (s *Service) BaseURL() string {
	_, port, _ := net.SplitHostPort(s.Addr())
	if s.cfg.TLS.Enabled() {
		return "https://localhost:" + port
	}
	return "http://localhost:" + port
}

// IssuerURL is the OIDC issuer this service trusts.
func (s *Service) IssuerURL() string { return s.cfg.OIDC.Issuer }

// Runner exposes the embedded projection runner (nil with Kafka).
func (s *Service) Runner() *projections.Runner { return s.runner }

// Events exposes the embedded event log (nil with Kafka).
func (s *Service) Events() *eventlog.Log { return s.events }

// VaultStore exposes the Vault secret store (nil when embedded), for its
// token-exchange statistics.
func (s *Service) VaultStore() *vaultstore.Store { return s.vault }

// ProjectionsDB exposes the projections database (tests read it).
func (s *Service) ProjectionsDB() *bolt.DB { return s.projDB }

// Run serves until ctx is done, then stops gracefully within
// ShutdownTimeout: the REST listener and the Kafka southbound stop taking
// requests and let those in flight finish (their commands need the bus and
// the projections), then the bus stops, then the projections. A Kafka
// record still in flight at the deadline is left unanswered and
// uncommitted, for the next instance.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	g, gctx := errgroup.WithContext(ctx)
	// The bus and the projections outlive gctx until the ingresses are
	// drained: a command's context ends with its router's.
	inner, stopInner := context.WithCancel(context.WithoutCancel(ctx))
	defer stopInner()
	g.Go(func() error { return s.bus.Run(inner) })
	g.Go(func() error { return s.runProjections(inner) })
	g.Go(func() error { return s.auditFeed.run(inner) })
	g.Go(func() error { return s.pruneReplies(gctx) })
	g.Go(func() error { s.compactEvents(gctx); return nil })
	g.Go(func() error { s.policy.Run(gctx); return nil })
	g.Go(func() error {
		every(gctx, s.cfg.auditEnforceEvery(), s.logger, "audit log retention", s.enforceAudit)
		return nil
	})
	if s.southbound != nil {
		g.Go(func() error { return s.southbound.run(gctx, s.bus.Running()) })
	}
	if s.feed != nil {
		g.Go(func() error { s.measureFeedLag(gctx); return nil })
	}
	g.Go(func() error { return runVirtualHostCompaction(gctx, s.bus, s.vhosts.Config(), s.logger) })
	g.Go(func() error {
		select {
		case <-s.bus.Running():
		case <-gctx.Done():
			return nil
		}
		serve := func() error { return s.server.Serve(s.listener) }
		if s.server.TLSConfig != nil {
			// ServeTLS adds HTTP/2 to the protocols offered; the
			// certificate comes from TLSConfig.GetCertificate.
			serve = func() error { return s.server.ServeTLS(s.listener, "", "") }
		}
		if err := serve(); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		defer stopInner()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
		defer cancel()
		s.logger.Info("stopping: requests in flight may finish", "timeout", s.cfg.ShutdownTimeout)
		var southErr error
		southDone := make(chan struct{})
		go func() {
			defer close(southDone)
			if s.southbound != nil {
				southErr = s.southbound.stop(sctx)
			}
		}()
		err := s.server.Shutdown(sctx)
		<-southDone
		return errors.Join(err, southErr, s.bus.Close())
	})
	return g.Wait()
}

func (s *Service) busReady(context.Context) error {
	select {
	case <-s.bus.Running():
		return nil
	default:
		return errors.New("command bus not running")
	}
}

// pruneReplies drops stored command replies past their retention, hourly.
// The embedded store's record of each command's writes is kept as long as
// the replies, for the same redeliveries.
func (s *Service) pruneReplies(ctx context.Context) error {
	retention := s.cfg.Bus.ReplyRetention
	if retention == 0 {
		retention = 24 * time.Hour
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		every(ctx, time.Hour, s.logger, "pruning stored replies", func(context.Context) error {
			n, err := s.log.PruneReplies(time.Now().Add(-retention))
			if err == nil && n > 0 {
				s.logger.Debug("pruned stored replies", "count", n)
			}
			return err
		})
	})
	if bs, ok := s.store.(*boltstore.Store); ok {
		wg.Go(func() {
			every(ctx, time.Hour, s.logger, "pruning applied-write records", func(context.Context) error {
				_, err := bs.PruneApplied(time.Now().Add(-retention))
				return err
			})
		})
	}
	wg.Wait()
	return nil
}

func (s *Service) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.logger.Warn("closing", "error", err)
		}
	}
	s.closers = nil
}

// roleMappings answers the role mappings of /registry-api/admin/roleMappings
// with the role names of the authorization configuration.
func (s *Service) roleMappings() authz.RoleMappings {
	az := s.cfg.authzConfig()
	return rolemap.Roles{View: s.roles, Admin: az.AdminRole, Developer: az.DeveloperRole, ReadOnlyAs: az.ReadOnlyRole}
}

// restBasic is basic as the REST layer's optional dependency: nil stays an
// untyped nil, so "off" is not a non-nil interface holding a nil pointer.
func restBasic(basic *auth.BasicExchanger) rest.BasicTokens {
	if basic == nil {
		return nil
	}
	return basic
}
