package kafka_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/kafka"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/testkit"
)

var auditKey = []byte("0123456789abcdef0123456789abcdef")

// logger discards unless KAFKALOG_TEST_LOG is set.
func logger() *slog.Logger {
	if os.Getenv("KAFKALOG_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func config(t testing.TB, k *testkit.Kafka) kafka.Config {
	return kafka.Config{
		Brokers:       k.Brokers,
		ConsumerGroup: "projections-" + t.Name(),
		OutboxDB:      filepath.Join(t.TempDir(), "outbox.db"),
		DialTimeout:   2 * time.Second,
	}
}

func openLog(t testing.TB, cfg kafka.Config) *kafka.Log {
	t.Helper()
	l, err := kafka.Open(t.Context(), cfg, logger())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func openDB(t testing.TB, path string) *bbolt.DB {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newDB(t testing.TB) *bbolt.DB {
	return openDB(t, filepath.Join(t.TempDir(), "projections.db"))
}

func audit(t testing.TB) *projections.Audit {
	t.Helper()
	h, err := redact.NewHasher(auditKey)
	if err != nil {
		t.Fatal(err)
	}
	return projections.NewAudit(h)
}

// event builds the i-th test event for tenant ("" for none).
func event(t testing.TB, i int, tenant string) cloudevents.Event {
	t.Helper()
	e, err := events.New(
		events.Outcome{Type: events.ImagePullSecretCreated, Tenant: tenant, Subject: tenant + "/s", Data: map[string]any{"name": fmt.Sprint("s-", i)}},
		[]byte(fmt.Sprintf(`{"name":"s-%d","password":"hmac-sha256:00"}`, i)),
		events.Meta{ID: fmt.Sprintf("%s-ev-%d", t.Name(), i), Time: time.Unix(1700000000+int64(i), 0), CorrelationID: "corr", CausationID: "cmd"},
	)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// commitEach commits events i in [from, from+n), one per Commit, tenants
// taken in turn from tenants.
func commitEach(t testing.TB, l *kafka.Log, from, n int, tenants ...string) []cloudevents.Event {
	t.Helper()
	var out []cloudevents.Event
	for i := from; i < from+n; i++ {
		e := event(t, i, tenants[i%len(tenants)])
		if _, err := l.Commit(t.Context(), "", []cloudevents.Event{e}, nil); err != nil {
			t.Fatalf("Commit %d: %v", i, err)
		}
		out = append(out, e)
	}
	return out
}

// consume reads n records of topic from the start with franz-go, a client
// independent of the one under test.
func consume(t testing.TB, brokers []string, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume %s: %d of %d records: %v", topic, len(out), n, err)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

// auditRecords returns the audit log, checking it verifies clean.
func auditRecords(t testing.TB, db *bbolt.DB) []projections.Record {
	t.Helper()
	rep, err := projections.VerifyAudit(db)
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("VerifyAudit: %+v, %v", rep.Problems, err)
	}
	var out []projections.Record
	err = projections.TailAudit(db, projections.AuditFilter{}, func(r projections.Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
