package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	identitystore "github.com/hypo-registry/registry/internal/adapters/identity/bolt"
	"github.com/hypo-registry/registry/internal/adapters/identity/vault"
	boltstore "github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	vaultstore "github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/projections"
	bolt "go.etcd.io/bbolt"
)

// outcomeLog is the event log as the service uses it. It keeps the Vault
// store's write-ahead intents too, beside the replies they guard.
type outcomeLog interface {
	bus.OutcomeLog
	vaultstore.Intents
	PruneReplies(olderThan time.Time) (int, error)
	Close() error
}

// openSecretStore picks Vault when configured, else the embedded store.
func (s *Service) openSecretStore(ctx context.Context, ring *seal.Keyring) error {
	if s.cfg.Vault.Addr != "" {
		vcfg := s.cfg.Vault
		// The bus retries transient failures of the whole command; retrying
		// each Vault request too would multiply the attempts.
		vcfg.MaxRetries = -1
		vs, err := vaultstore.New(ctx, vcfg)
		if err != nil {
			return fmt.Errorf("REGISTRY_VAULT_ADDR %s: %w", vcfg.Addr, err)
		}
		vs.SetLogger(s.logger)
		s.store, s.vault = vs, vs
		return nil
	}
	bs, err := boltstore.Open(datadir.Path(s.cfg.DataDir, datadir.SecretsDB), ring, boltstore.Options{})
	if err != nil {
		return err
	}
	s.store = bs
	s.closers = append(s.closers, bs.Close)
	return nil
}

// openIdentity picks Vault's identity store when an admin token is set,
// else embedded records.
func (s *Service) openIdentity(ctx context.Context) error {
	if s.cfg.VaultAdmin.AdminToken != "" {
		icfg := s.cfg.VaultAdmin
		icfg.Addr, icfg.CACert, icfg.Timeout = s.cfg.Vault.Addr, s.cfg.Vault.CACert, s.cfg.Vault.Timeout
		if icfg.JWTMount == "" {
			icfg.JWTMount = s.cfg.Vault.AuthMount
		}
		admin, err := vault.New(ctx, icfg)
		if err != nil {
			return fmt.Errorf("REGISTRY_VAULT_ADMIN_TOKEN: %w", err)
		}
		s.identity = admin
		return nil
	}
	db, err := bolt.Open(datadir.Path(s.cfg.DataDir, datadir.IdentityDB), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("open %s: %w (is another registryd using this data directory?)", datadir.IdentityDB, err)
	}
	s.closers = append(s.closers, db.Close)
	if s.identity, err = identitystore.Open(db); err != nil {
		return err
	}
	return nil
}

// openEventLog picks the Kafka topic when brokers are configured, else the
// embedded log; projections follow the same choice.
func (s *Service) openEventLog(ctx context.Context) error {
	var err error
	if s.projDB, err = bolt.Open(datadir.Path(s.cfg.DataDir, datadir.ProjectionsDB), 0o600, &bolt.Options{Timeout: time.Second}); err != nil {
		return fmt.Errorf("open %s: %w (is another registryd using this data directory?)", datadir.ProjectionsDB, err)
	}
	s.closers = append(s.closers, s.projDB.Close)
	for _, p := range projectionsFor(s.vhostBeats, s.vhostHosts) {
		s.projectionNames = append(s.projectionNames, p.Name())
	}
	if len(s.cfg.Kafka.Brokers) > 0 {
		kcfg := s.cfg.Kafka
		kcfg.OutboxDB = datadir.Path(s.cfg.DataDir, datadir.OutboxDB)
		kl, err := kafka.Open(ctx, kcfg, s.logger)
		if err != nil {
			return fmt.Errorf("REGISTRY_KAFKA_BROKERS %v: %w", kcfg.Brokers, err)
		}
		s.closers = append(s.closers, kl.Close)
		s.kafka = kl
		feed, err := kafka.NewFeed(s.projDB, kcfg, s.logger, projectionsFor(s.vhostBeats, s.vhostHosts)...)
		if err != nil {
			return err
		}
		s.closers = append(s.closers, feed.Close)
		s.log = &tracked{outcomeLog: kl, last: map[string]cloudevents.Event{}}
		s.feed = feed
		return nil
	}
	if s.events, err = eventlog.Open(datadir.Path(s.cfg.DataDir, datadir.EventsDB), eventlog.Options{}); err != nil {
		return err
	}
	s.closers = append(s.closers, s.events.Close)
	s.log = s.events
	if s.runner, err = projections.NewRunner(s.projDB, s.events, projectionsFor(s.vhostBeats, s.vhostHosts)...); err != nil {
		return err
	}
	s.runner.SetBatchDelay(projectionBatchDelay)
	return nil
}

// runProjections feeds the projections until ctx ends.
func (s *Service) runProjections(ctx context.Context) error {
	if s.feed != nil {
		return s.feed.Run(ctx)
	}
	return s.runner.Run(ctx)
}

// WaitProjections returns once every event committed so far is applied to
// the projections (tests and benchmarks read their own writes with it).
func (s *Service) WaitProjections(ctx context.Context) error {
	if s.runner != nil {
		return s.runner.WaitFor(ctx, s.events.Last())
	}
	t := s.log.(*tracked)
	for _, e := range t.lastEvents() {
		if err := s.feed.WaitFor(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// SecretStore is the configured secret store (tests read what commands
// wrote with it).
func (s *Service) SecretStore() handlers.SecretStore { return s.store }

// IdentityAdmin is the configured identity admin (tests use it).
func (s *Service) IdentityAdmin() handlers.IdentityAdmin { return s.identity }

// tracked remembers the last event committed per tenant: the Kafka log keys
// events by tenant, so one tenant's events are applied in order, and
// waiting for each tenant's last event waits for all of them.
type tracked struct {
	outcomeLog
	mu   sync.Mutex
	last map[string]cloudevents.Event
}

func (t *tracked) Commit(ctx context.Context, commandID string, evs []cloudevents.Event, reply []byte) (uint64, error) {
	seq, err := t.outcomeLog.Commit(ctx, commandID, evs, reply)
	if err != nil || len(evs) == 0 {
		return seq, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range evs {
		t.last[events.StringExtension(e, events.ExtTenant)] = e
	}
	return seq, nil
}

func (t *tracked) lastEvents() []cloudevents.Event {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]cloudevents.Event, 0, len(t.last))
	for _, e := range t.last {
		out = append(out, e)
	}
	return out
}
