package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	rest "github.com/hypo-registry/registry/http"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	vaultidentity "github.com/hypo-registry/registry/internal/adapters/identity/vault"
	boltstore "github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	vaultstore "github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// This file is what an operator watches: the readiness checks and the
// metrics of the instance's backends.

// jwksMaxAge is how old the key set may grow before /readyz reports it:
// three refresh intervals and a fetch timeout, so one or two failed
// refreshes (the issuer restarting) do not take the instance out.
func jwksMaxAge(refresh time.Duration) time.Duration { return 3*refresh + 10*time.Second }

// readyChecks are what /readyz requires: this instance can serve. Its
// store answers (Vault healthy, or the embedded file open), its key set is
// fresh, its audit log takes records, its bus and Kafka consumer run.
// Events waiting in the Kafka outbox are not among them: commands still
// succeed meanwhile, and a broker outage would take every replica out of
// service at once. readyInfo reports them instead.
func (s *Service) readyChecks(verifier *auth.Verifier) []rest.Check {
	checks := []rest.Check{{Name: "bus", Run: s.busReady}, {Name: "audit", Run: s.auditReady}}
	switch store := s.store.(type) {
	case *vaultstore.Store:
		checks = append(checks, rest.Check{Name: "vault", Run: store.Healthy})
	case *boltstore.Store:
		checks = append(checks, rest.Check{Name: "store", Run: store.Healthy})
	}
	checks = append(checks, rest.Check{Name: "jwks", Run: func(context.Context) error {
		return verifier.JWKSFresh(time.Now(), jwksMaxAge(verifier.JWKSRefresh()))
	}})
	if s.southbound != nil {
		checks = append(checks, rest.Check{Name: "southbound", Run: s.southbound.ready})
	}
	return checks
}

// liveChecks are what /healthz requires: no part has failed for good. The
// audit log is the one part that fails so (auditReady): it takes no record
// after a failed write or sync until a restart recovers it, so every read
// would answer 503 until someone restarted the instance.
func (s *Service) liveChecks() []rest.Check {
	return []rest.Check{{Name: "audit", Run: s.auditReady}}
}

// auditReady fails once the audit log takes no more records: its feed
// stopped on an append error, or a write or sync of the log failed. Both
// last until a restart.
func (s *Service) auditReady(ctx context.Context) error {
	if err := s.auditFeed.ready(ctx); err != nil {
		return err
	}
	if err := s.audit.Failed(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// readyInfo is the information /readyz adds to its checks: with Kafka,
// the events waiting in the outbox, how long the oldest has waited, and
// whether the relay's last publish failed. Nil without Kafka.
func (s *Service) readyInfo(ctx context.Context) map[string]any {
	if s.kafka == nil {
		return nil
	}
	relay := "ok"
	if s.kafka.RelayError() != nil {
		relay = "failing"
	}
	info := map[string]any{"outbox_backlog": s.kafka.Backlog(), "relay": relay}
	if lag, err := s.kafka.RelayLag(ctx, time.Now()); err == nil {
		info["relay_lag_seconds"] = lag.Seconds()
	}
	return info
}

// writerMetrics are the group commits of the audit log and of the event
// log (with Kafka, its outbox): how many writes, how much they carried and
// the time spent in them. A durable answer waits for one of these writes,
// so the time a write takes (rate of seconds over rate of writes) is the
// first thing to read when answers slow down.
func (s *Service) writerMetrics() []prometheus.Collector {
	events := func() eventlog.Stats {
		switch {
		case s.kafka != nil:
			return s.kafka.OutboxStats()
		case s.events != nil:
			return s.events.Stats()
		}
		return eventlog.Stats{}
	}
	counter := func(subsystem, name, help string, v func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "registry", Subsystem: subsystem, Name: name, Help: help}, v)
	}
	return []prometheus.Collector{
		counter("audit", "writes_total", "Writes of the audit log, each followed by one fdatasync: the records of many requests share one (group commit).",
			func() float64 { return float64(s.audit.Stats().Batches) }),
		counter("audit", "records_written_total", "Records written to the audit log.",
			func() float64 { return float64(s.audit.Stats().Records) }),
		counter("audit", "write_seconds_total", "Time spent writing and syncing the audit log.",
			func() float64 { return s.audit.Stats().Syncing.Seconds() }),
		counter("audit", "hold_seconds_total", "Time the audit writer held batches open for reads under way, while the CPU was short.",
			func() float64 { return s.audit.Stats().Gathered.Seconds() }),
		counter("eventlog", "transactions_total", "Transactions of the event log (with Kafka, of its outbox), each synced: the commands of many requests share one (group commit).",
			func() float64 { return float64(events().Batches) }),
		counter("eventlog", "commits_total", "Commits written in those transactions: commands' events and replies, Vault write intents, the Kafka relay's position.",
			func() float64 { return float64(events().Requests) }),
		counter("eventlog", "events_total", "Events appended to the event log (with Kafka, to its outbox).",
			func() float64 { return float64(events().Events) }),
		counter("eventlog", "transaction_seconds_total", "Time spent in the event log's transactions, syncs included.",
			func() float64 { return events().Commit.Seconds() }),
	}
}

// registerMetrics registers the operator's gauges and counters on reg:
// outbox backlog and relay lag (Kafka), projection lag, Vault
// requests (Vault), JWKS refreshes, poisoned Kafka records (Kafka), and
// the audit log's size. Call it before the southbound opens (it counts
// poisoned records too) and before Run.
func (s *Service) registerMetrics(reg prometheus.Registerer, verifier *auth.Verifier) error {
	cs := []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "registry", Subsystem: "jwks", Name: "refresh_failures_total",
			Help: "Failed refreshes of the OIDC issuer's key set (the last fetched set stays in use).",
		}, func() float64 { return float64(verifier.JWKSRefreshFailures()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "registry", Subsystem: "jwks", Name: "last_refresh_timestamp_seconds",
			Help: "When the OIDC issuer's key set was last fetched successfully (Unix time).",
		}, func() float64 { return unixSeconds(verifier.JWKSFetched()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "registry", Subsystem: "audit", Name: "log_size_bytes",
			Help: "Bytes of the audit log on disk, every segment.",
		}, func() float64 { b, _, _ := s.audit.Size(); return float64(b) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "registry", Subsystem: "audit", Name: "log_segments",
			Help: "Segments of the audit log on disk.",
		}, func() float64 { _, n, _ := s.audit.Size(); return float64(n) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: "registry", Subsystem: "audit", Name: "log_oldest_segment_timestamp_seconds",
			Help: "When the oldest audit log segment on disk was begun (Unix time); retention and exports move it.",
		}, func() float64 { _, _, t := s.audit.Size(); return unixSeconds(t) }),
	}
	cs = append(cs, s.writerMetrics()...)
	if s.kafka != nil {
		cs = append(cs,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "registry", Subsystem: "outbox", Name: "backlog_events",
				Help: "Committed events waiting in the local outbox for the Kafka events topic.",
			}, func() float64 { return float64(s.kafka.Backlog()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Namespace: "registry", Subsystem: "outbox", Name: "relay_lag_seconds",
				Help: "How long the oldest event waiting in the outbox has waited for the Kafka events topic (0 with no backlog).",
			}, func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				lag, _ := s.kafka.RelayLag(ctx, time.Now())
				return lag.Seconds()
			}),
		)
		s.poisoned = prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "registry", Subsystem: "kafka", Name: "poisoned_records_total",
			Help: "Kafka records sent to the poison topic, by the topic they came from.",
		}, []string{"topic"})
		s.poisoned.WithLabelValues(s.cfg.Kafka.WithDefaults().EventsTopic)
		s.feed.SetPoisonCounter(s.countPoisoned)
		cs = append(cs, s.poisoned)
	}
	if s.runner != nil {
		cs = append(cs, projectionLag(s.embeddedProjectionLag))
	} else {
		cs = append(cs, projectionLag(s.feedProjectionLag))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	idAdmin, _ := s.identity.(*vaultidentity.Admin)
	if s.vault != nil || idAdmin != nil {
		var adapters []string
		if s.vault != nil {
			adapters = append(adapters, vaultstore.MetricsAdapter)
		}
		if idAdmin != nil {
			adapters = append(adapters, vaultidentity.MetricsAdapter)
		}
		m, err := vaultconn.NewMetrics(reg, adapters...)
		if err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if s.vault != nil {
			s.vault.Observe(m)
		}
		if idAdmin != nil {
			idAdmin.Observe(m)
		}
	}
	return nil
}

func (s *Service) countPoisoned(topic string) { s.poisoned.WithLabelValues(topic).Inc() }

func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixNano()) / 1e9
}

// projectionLagDesc is registry_projection_lag_events{projection}.
var projectionLagDesc = prometheus.NewDesc("registry_projection_lag_events",
	"Events committed that a projection has not applied yet (with Kafka: records of the events topic, measured every 15 s).",
	[]string{"projection"}, nil)

// projectionLag reads each projection's lag at a scrape.
type projectionLag func() map[string]uint64

func (p projectionLag) Describe(ch chan<- *prometheus.Desc) { ch <- projectionLagDesc }

func (p projectionLag) Collect(ch chan<- prometheus.Metric) {
	for name, lag := range p() {
		ch <- prometheus.MustNewConstMetric(projectionLagDesc, prometheus.GaugeValue, float64(lag), name)
	}
}

// embeddedProjectionLag is, per projection, the events of the embedded
// log after its position.
func (s *Service) embeddedProjectionLag() map[string]uint64 {
	last := s.events.Last()
	out := map[string]uint64{}
	for name, pos := range s.runner.Positions() {
		out[name] = 0
		if last > pos {
			out[name] = last - pos
		}
	}
	return out
}

// feedProjectionLag is the Kafka feed's last measured lag, the same for
// every projection (they apply each record in one transaction); nothing
// before the first measurement.
func (s *Service) feedProjectionLag() map[string]uint64 {
	lag := s.feedLag.Load()
	if lag < 0 {
		return nil
	}
	out := make(map[string]uint64, len(s.projectionNames))
	for _, name := range s.projectionNames {
		out[name] = uint64(lag)
	}
	return out
}

// feedLagEvery is how often the Kafka feed's lag is measured: it asks
// the brokers, so not at every scrape (a broker outage would stall them).
const feedLagEvery = 15 * time.Second

// measureFeedLag measures the Kafka feed's lag now and every
// feedLagEvery until ctx ends. A failed measurement (the broker
// unreachable: the relay warns of that already) keeps the last value.
func (s *Service) measureFeedLag(ctx context.Context) {
	measure := func(context.Context) error {
		lag, err := s.feed.Lag()
		if err != nil {
			s.logger.Debug("measuring the projections' Kafka lag", "error", err)
			return nil
		}
		s.feedLag.Store(int64(lag))
		return nil
	}
	_ = measure(ctx)
	every(ctx, feedLagEvery, s.logger, "measuring the projections' Kafka lag", measure)
}
