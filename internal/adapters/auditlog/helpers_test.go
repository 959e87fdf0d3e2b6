package auditlog_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)

// readEntry is a typical audited read.
func readEntry(i int) auditlog.Entry {
	return auditlog.Entry{
		Time:          t0.Add(time.Duration(i) * time.Millisecond),
		Type:          "io.hypo.registry.imagepull.secret.read",
		Tenant:        "acme-prod",
		Subject:       fmt.Sprintf("spiffe://acme.example/ns/ci/sa/builder-%04d", i%10000),
		CorrelationID: fmt.Sprintf("0b9c2f5e-7d4a-4c1b-9e3f-%012x", i),
		Data:          json.RawMessage(`{"name":"foo","version":1,"actor":"alice"}`),
	}
}

// commandEntry is a command outcome event fed from the event log.
func commandEntry(i int, seq uint64) auditlog.Entry {
	return auditlog.Entry{
		Time:          t0.Add(time.Duration(i) * time.Millisecond),
		Type:          "io.hypo.registry.imagepull.secret.created",
		ID:            fmt.Sprintf("evt-%d", i),
		Tenant:        "acme-prod",
		Subject:       "alice",
		CorrelationID: "not-a-uuid-" + fmt.Sprint(i),
		CausationID:   fmt.Sprintf("6f1c2a3b-0000-4000-8000-%012x", i),
		EventSeq:      seq,
		Data:          json.RawMessage(`{"name":"foo","password":"hmac-sha256:abcd"}`),
	}
}

func open(t testing.TB, opts auditlog.Options) *auditlog.Log {
	t.Helper()
	l, err := auditlog.Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func appendN(t testing.TB, l *auditlog.Log, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := l.Append(context.Background(), readEntry(i)); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
}

func scanAll(t testing.TB, dir string, from uint64) []auditlog.Record {
	t.Helper()
	var recs []auditlog.Record
	if err := auditlog.Scan(dir, from, func(r auditlog.Record) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return recs
}

// clock is a settable Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }
