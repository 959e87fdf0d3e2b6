package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// readiness is /readyz's body.
type readiness struct {
	Ready           bool              `json:"ready"`
	Checks          map[string]string `json:"checks"`
	OutboxBacklog   *uint64           `json:"outbox_backlog"`
	RelayLagSeconds *float64          `json:"relay_lag_seconds"`
	Relay           string            `json:"relay"`
}

func readyz(t *testing.T, reg *testkit.Registry) (int, readiness) {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, reg.URL+"/readyz", "", nil)
	var body readiness
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("/readyz body %s: %v", r.Body, err)
	}
	return r.Status, body
}

// healthz is /healthz's status and body.
func healthz(t *testing.T, reg *testkit.Registry) (int, string) {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, reg.URL+"/healthz", "", nil)
	return r.Status, string(r.Body)
}

var metricLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$`)

// metric is the value of series (a name with its labels, as /metrics
// writes them: `name{a="x",b="y"}`) in reg's /metrics; ok false when absent.
func metric(t *testing.T, reg *testkit.Registry, series string) (v float64, ok bool) {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, reg.URL+"/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	for line := range strings.Lines(string(r.Body)) {
		m := metricLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || m[1]+m[2] != series {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return v, true
	}
	return 0, false
}

func mustMetric(t *testing.T, reg *testkit.Registry, series string) float64 {
	t.Helper()
	v, ok := metric(t, reg, series)
	if !ok {
		t.Fatalf("/metrics has no %s", series)
	}
	return v
}

func eventually(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestReadyWhileKafkaIsDown stops the broker: commands still succeed (their
// events wait in the outbox), so the instance stays ready; /readyz's body
// and the metrics report the backlog and the relay's lag, until a broker
// is back on the same address and the outbox drains.
func TestReadyWhileKafkaIsDown(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	var broker *kfake.Cluster
	startBroker := func() {
		var err error
		broker, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(testkit.KafkaPartitions))
		if err != nil {
			t.Fatal(err)
		}
	}
	startBroker()
	// The broker of the moment stops after the registry (cleanups run
	// last first): the registry's stop commits its consumer's offsets.
	t.Cleanup(func() { broker.Close() })
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.Kafka.Brokers = broker.ListenAddrs()
		c.Kafka.ConsumerGroup = "registry-projections-" + testkit.RandomTenant(t)
		// The southbound's consumer, leaving its group at the stop, fails
		// when the group's broker was replaced by an empty one before it
		// joined again: not what this test is about.
		c.Southbound.Disabled = true
	})
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	code, body := readyz(t, reg)
	if code != http.StatusOK || body.OutboxBacklog == nil || body.Relay != "ok" {
		t.Fatalf("/readyz before the outage: %d %+v, want 200 with outbox_backlog and relay ok", code, body)
	}
	if _, ok := body.Checks["kafka"]; ok {
		t.Errorf("/readyz checks %v: the broker must not decide readiness", body.Checks)
	}

	// The feed is consuming (past its start, which needs the broker).
	if r := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/image-pull/secret/before", tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	if err := reg.WaitProjections(t.Context()); err != nil {
		t.Fatal(err)
	}

	broker.Close()
	for i := range 3 {
		url := fmt.Sprintf("%s/registry-api/image-pull/secret/outage-%d", reg.URL, i)
		if r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
			t.Fatalf("POST with Kafka down: %d %s", r.Status, r.Body)
		}
	}
	eventually(t, "/readyz reports the failing relay", 30*time.Second, func() bool {
		_, body = readyz(t, reg)
		return body.Relay == "failing"
	})
	code, body = readyz(t, reg)
	if code != http.StatusOK || !body.Ready {
		t.Errorf("/readyz with Kafka down: %d %+v, want 200: commands still succeed", code, body)
	}
	if body.OutboxBacklog == nil || *body.OutboxBacklog < 3 {
		t.Errorf("/readyz outbox_backlog = %v, want at least the 3 commands' events", body.OutboxBacklog)
	}
	if body.RelayLagSeconds == nil || *body.RelayLagSeconds <= 0 {
		t.Errorf("/readyz relay_lag_seconds = %v, want the oldest waiting event's wait", body.RelayLagSeconds)
	}
	if v := mustMetric(t, reg, "registry_outbox_backlog_events"); v < 3 {
		t.Errorf("registry_outbox_backlog_events = %v, want at least 3", v)
	}
	if v := mustMetric(t, reg, "registry_outbox_relay_lag_seconds"); v <= 0 {
		t.Errorf("registry_outbox_relay_lag_seconds = %v, want more than 0", v)
	}

	startBroker() // an empty broker on the same address: the outbox drains
	eventually(t, "the outbox drains once a broker is back", 60*time.Second, func() bool {
		code, body = readyz(t, reg)
		return code == http.StatusOK && body.Relay == "ok" && *body.OutboxBacklog == 0 && *body.RelayLagSeconds == 0
	})
	if v := mustMetric(t, reg, "registry_outbox_backlog_events"); v != 0 {
		t.Errorf("registry_outbox_backlog_events after recovery = %v, want 0", v)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestNotReadyNorLiveOnceTheAuditLogCannotBeWritten removes the audit
// directory under a registry whose segments roll at every batch: the next
// roll fails, the log takes no more records until a restart, and /readyz
// and /healthz answer 503 naming audit (liveness, so that the orchestrator
// restarts the instance).
func TestNotReadyNorLiveOnceTheAuditLogCannotBeWritten(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.Audit.SegmentBytes = 1 })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	if code, body := readyz(t, reg); code != http.StatusOK || body.Checks["audit"] != "ok" || body.Checks["store"] != "ok" || body.Checks["jwks"] != "ok" {
		t.Fatalf("/readyz at start: %d %+v", code, body)
	}
	if code, body := healthz(t, reg); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz at start: %d %q", code, body)
	}
	if body := mustMetric(t, reg, "registry_audit_log_size_bytes"); body <= 0 {
		t.Errorf("registry_audit_log_size_bytes = %v, want the log's bytes", body)
	}
	if err := os.RemoveAll(datadir.Path(reg.DataDir, datadir.AuditDir)); err != nil {
		t.Fatal(err)
	}
	// Commands go on (their events are in the event log); the audit feed
	// fails at its first append that needs a new segment file. It gathers
	// events for a while before each append, so write until it has.
	i := 0
	eventually(t, "/readyz reports the audit log", 20*time.Second, func() bool {
		url := fmt.Sprintf("%s/registry-api/image-pull/secret/audit-%d", reg.URL, i)
		i++
		testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"p"}`))
		code, body := readyz(t, reg)
		return code == http.StatusServiceUnavailable && !body.Ready && body.Checks["audit"] == "unavailable"
	})
	if code, body := healthz(t, reg); code != http.StatusServiceUnavailable || body != "failed: audit\n" {
		t.Errorf("/healthz with the audit log failed: %d %q, want 503 naming audit", code, body)
	}
}

// TestARestartRecoversAFailedAuditLog: the restart /healthz asks for
// brings the instance back. The audit directory is moved away under a
// registry whose segments roll at every batch, so the next roll fails and
// the log fails for good: reads answer 503, commands go on. With the
// directory back, a restart recovers the log, reads are served again and
// the command events committed meanwhile reach the audit log, all in one
// chain.
func TestARestartRecoversAFailedAuditLog(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.Audit.SegmentBytes = 1 })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	api := reg.URL + "/registry-api/image-pull/secret/"
	if r := testkit.Do(t, http.MethodPost, api+"kept", tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	dir := datadir.Path(reg.DataDir, datadir.AuditDir)
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	written := 0
	eventually(t, "/healthz reports the failed audit log", 20*time.Second, func() bool {
		r := testkit.Do(t, http.MethodPost, fmt.Sprintf("%smeanwhile-%d", api, written), tok, []byte(`{"username":"u","password":"p"}`))
		if r.Status != http.StatusCreated {
			t.Fatalf("a command with the audit log failing: %d %s, want 201 (its event waits in the local log)", r.Status, r.Body)
		}
		written++
		code, _ := healthz(t, reg)
		return code == http.StatusServiceUnavailable
	})
	if r := testkit.Do(t, http.MethodGet, api+"kept", tok, nil); r.Status != http.StatusServiceUnavailable || strings.Contains(string(r.Body), `"password"`) {
		t.Fatalf("a read with the audit log failed: %d %s, want 503 and no secret", r.Status, r.Body)
	}
	reg.Stop(t)
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	reg.Restart(t)
	if code, body := healthz(t, reg); code != http.StatusOK {
		t.Fatalf("/healthz after the restart: %d %q", code, body)
	}
	if code, body := readyz(t, reg); code != http.StatusOK {
		t.Fatalf("/readyz after the restart: %d %+v", code, body)
	}
	api = reg.URL + "/registry-api/image-pull/secret/"
	if r := testkit.Do(t, http.MethodGet, api+"kept", tok, nil); r.Status != http.StatusOK {
		t.Fatalf("a read after the restart: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := reg.Service.WaitAudit(ctx); err != nil {
		t.Fatalf("the events committed while the audit log had failed never reached it: %v", err)
	}
	sum, err := auditlog.Verify(dir, nil)
	if err != nil {
		t.Fatalf("verify after the restart: %v", err)
	}
	created := 0
	err = auditlog.Scan(dir, 1, func(rec auditlog.Record) error {
		if rec.Type == events.ImagePullSecretCreated && strings.Contains(rec.Subject, "meanwhile-") && rec.Tenant == tenant {
			created++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if created != written {
		t.Errorf("the audit log holds %d of the %d creations made while it had failed (chain of %d records)", created, written, sum.Last)
	}
}

// TestNotReadyOnceTheJWKSIsStale serves the issuer's key set through a
// proxy that starts failing: each failed refresh is counted, and once the
// set is older than three refresh intervals and a fetch timeout /readyz
// answers 503 naming jwks (a key the issuer removed may still be trusted).
func TestNotReadyOnceTheJWKSIsStale(t *testing.T) {
	t.Parallel()
	oidc := testkit.StartOIDC(t, testkit.Audience)
	var failing atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		res, err := http.Get(oidc.JWKSURL)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		w.Header().Set("Content-Type", res.Header.Get("Content-Type"))
		w.WriteHeader(res.StatusCode)
		_, _ = io.Copy(w, res.Body)
	}))
	t.Cleanup(proxy.Close)
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: oidc.URL, JWKSURL: proxy.URL, Audience: testkit.Audience, JWKSRefresh: app.MinJWKSRefresh}
	})
	if code, body := readyz(t, reg); code != http.StatusOK || body.Checks["jwks"] != "ok" {
		t.Fatalf("/readyz at start: %d %+v", code, body)
	}
	failing.Store(true)
	eventually(t, "registry_jwks_refresh_failures_total counts the failed refreshes", 10*time.Second, func() bool {
		return mustMetric(t, reg, "registry_jwks_refresh_failures_total") >= 2
	})
	if code, _ := readyz(t, reg); code != http.StatusOK {
		t.Errorf("/readyz after two failed refreshes: %d, want 200 (the bound is not reached yet)", code)
	}
	eventually(t, "/readyz reports the stale key set", 30*time.Second, func() bool {
		code, body := readyz(t, reg)
		return code == http.StatusServiceUnavailable && body.Checks["jwks"] == "unavailable"
	})
	// The key set may come back: not a reason to restart.
	if code, body := healthz(t, reg); code != http.StatusOK {
		t.Errorf("/healthz with a stale key set: %d %q, want 200", code, body)
	}
	failing.Store(false)
	eventually(t, "/readyz recovers with the next refresh", 10*time.Second, func() bool {
		code, _ := readyz(t, reg)
		return code == http.StatusOK
	})
}

// TestOperatorMetricsEmbedded: the embedded deployment's projection lag,
// JWKS and audit series exist from the start and move.
func TestOperatorMetricsEmbedded(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	for _, s := range []string{
		"registry_jwks_refresh_failures_total", "registry_jwks_last_refresh_timestamp_seconds",
		"registry_audit_log_segments", "registry_audit_log_oldest_segment_timestamp_seconds",
	} {
		mustMetric(t, reg, s)
	}
	if at := mustMetric(t, reg, "registry_jwks_last_refresh_timestamp_seconds"); time.Since(time.Unix(int64(at), 0)) > time.Minute {
		t.Errorf("registry_jwks_last_refresh_timestamp_seconds = %v, want the start's fetch", at)
	}
	positions := reg.Runner().Positions()
	if len(positions) == 0 {
		t.Fatal("no projections")
	}
	for name := range positions {
		mustMetric(t, reg, `registry_projection_lag_events{projection="`+name+`"}`)
	}
	before := mustMetric(t, reg, "registry_audit_log_size_bytes")
	writers := writerMetrics(t, reg)
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	if r := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/image-pull/secret/m", tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secret/m", tok, nil); r.Status != http.StatusOK {
		t.Fatalf("GET: %d %s", r.Status, r.Body)
	}
	if err := reg.WaitAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
	if after := mustMetric(t, reg, "registry_audit_log_size_bytes"); after <= before {
		t.Errorf("registry_audit_log_size_bytes %v after a command, was %v", after, before)
	}
	// The command's transaction and its event, the read's audit record
	// and the command event's copy in the audit log.
	writers.wantMoved(t, reg, map[string]float64{
		"registry_eventlog_transactions_total": 1, "registry_eventlog_commits_total": 1,
		"registry_eventlog_events_total": 1, "registry_eventlog_transaction_seconds_total": 0,
		"registry_audit_writes_total": 1, "registry_audit_records_written_total": 2,
		"registry_audit_write_seconds_total": 0,
	})
}

// writerSeries are the group-commit counters of the audit and event logs.
var writerSeries = []string{
	"registry_eventlog_transactions_total", "registry_eventlog_commits_total", "registry_eventlog_events_total",
	"registry_eventlog_transaction_seconds_total", "registry_audit_writes_total",
	"registry_audit_records_written_total", "registry_audit_write_seconds_total", "registry_audit_hold_seconds_total",
}

type writerValues map[string]float64

func writerMetrics(t *testing.T, reg *testkit.Registry) writerValues {
	t.Helper()
	v := writerValues{}
	for _, s := range writerSeries {
		v[s] = mustMetric(t, reg, s)
	}
	return v
}

// wantMoved checks that each series grew by at least its minimum since v
// was read, and by more than nothing for a minimum of 0 (seconds).
func (v writerValues) wantMoved(t *testing.T, reg *testkit.Registry, min map[string]float64) {
	t.Helper()
	for s, least := range min {
		after := mustMetric(t, reg, s)
		if grew := after - v[s]; grew < least || grew <= 0 {
			t.Errorf("%s grew by %v (from %v), want at least %v and more than nothing", s, grew, v[s], least)
		}
	}
}

// TestOperatorMetricsVaultKafka runs every feature that registers metrics
// (Vault, Kafka with its southbound), checks the series of each, makes a
// Vault error and a poisoned record move their counters, and lints the
// whole /metrics as `promtool check metrics` does.
func TestOperatorMetricsVaultKafka(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistryOn(t, testkit.VaultKafka)
	for _, s := range []string{
		`registry_vault_request_duration_seconds_count{adapter="secrets"}`,
		`registry_outbox_backlog_events`, `registry_outbox_relay_lag_seconds`,
		`registry_kafka_poisoned_records_total{topic="` + events.TopicEvents + `"}`,
	} {
		if _, ok := metric(t, reg, s); !ok {
			t.Errorf("/metrics has no %s", s)
		}
	}
	// With Kafka every projection's lag is the feed's, measured from the
	// brokers at start and every 15 s.
	for _, name := range []string{"vhost", "rolemappings", "owners", "registrytoken.refresh"} {
		series := `registry_projection_lag_events{projection="` + name + `"}`
		eventually(t, series+" is measured", 10*time.Second, func() bool {
			_, ok := metric(t, reg, series)
			return ok
		})
	}
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	notFound := `registry_vault_request_errors_total{adapter="secrets",kind="not_found"}`
	before := mustMetric(t, reg, notFound)
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secret/missing", tok, nil); r.Status != http.StatusNotFound {
		t.Fatalf("GET a missing secret: %d %s", r.Status, r.Body)
	}
	if after := mustMetric(t, reg, notFound); after != before+1 {
		t.Errorf("%s = %v after a missing secret's read, was %v", notFound, after, before)
	}
	if v := mustMetric(t, reg, `registry_vault_request_duration_seconds_count{adapter="secrets"}`); v < 1 {
		t.Errorf("registry_vault_request_duration_seconds_count = %v, want the read timed", v)
	}
	// The identity admin's requests (the admin token's) are counted too.
	groupNotFound := `registry_vault_request_errors_total{adapter="identity",kind="not_found"}`
	before = mustMetric(t, reg, groupNotFound)
	// A tenant admin reads its own tenant's group, which Vault does not
	// have (the tenant was never provisioned).
	unprovisioned := testkit.RandomTenant(t)
	admin := reg.Token(t, "root", unprovisioned, "admin")
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/group/"+unprovisioned, admin, nil); r.Status != http.StatusNotFound {
		t.Fatalf("GET a missing group: %d %s", r.Status, r.Body)
	}
	if after := mustMetric(t, reg, groupNotFound); after < before+1 {
		t.Errorf("%s = %v after a missing group's read, was %v", groupNotFound, after, before)
	}
	if v := mustMetric(t, reg, `registry_vault_request_duration_seconds_count{adapter="identity"}`); v < 1 {
		t.Errorf("identity registry_vault_request_duration_seconds_count = %v, want the read timed", v)
	}

	// With Kafka the event log's series are its outbox's.
	writers := writerMetrics(t, reg)
	if r := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/image-pull/secret/m", tok, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	writers.wantMoved(t, reg, map[string]float64{
		"registry_eventlog_transactions_total": 1, "registry_eventlog_events_total": 1, "registry_eventlog_transaction_seconds_total": 0,
	})

	// A record on the events topic that is not a CloudEvent is poisoned.
	cl, err := kgo.NewClient(kgo.SeedBrokers(reg.Kafka.Brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Topic: events.TopicEvents, Value: []byte("not a cloudevent")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	poisoned := `registry_kafka_poisoned_records_total{topic="` + events.TopicEvents + `"}`
	eventually(t, poisoned+" counts the record", 30*time.Second, func() bool {
		return mustMetric(t, reg, poisoned) == 1
	})

	r := testkit.Do(t, http.MethodGet, reg.URL+"/metrics", "", nil)
	problems, err := promlint.New(bytes.NewReader(r.Body)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}
