package main

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
)

// benchEvents is the log size the audit benchmarks replay and verify.
const benchEvents = 200_000

// benchDataDir builds a data directory with n events (a mix of audited
// reads and writes) and their live projections, committing many events per
// transaction so that building it stays quick.
func benchDataDir(b *testing.B, n int) (dir string, h *redact.Hasher) {
	b.Helper()
	dir = b.TempDir()
	key, err := redact.LoadKey(datadir.Path(dir, datadir.AuditKey))
	if err != nil {
		b.Fatal(err)
	}
	if h, err = redact.NewHasher(key); err != nil {
		b.Fatal(err)
	}
	l, err := bolt.Open(datadir.Path(dir, datadir.EventsDB), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	const per = 1000
	for i := 0; i < n; i += per {
		evs := make([]event.Event, 0, per)
		for j := i; j < i+per && j < n; j++ {
			tenant := []string{"acme", "globex"}[j%2]
			e := event.New()
			e.SetID(fmt.Sprintf("ev-%d", j))
			e.SetSource("/registry/bench")
			e.SetSubject(tenant + "/pull")
			e.SetTime(time.Date(2025, 3, 1, 12, 0, j, 0, time.UTC))
			e.SetExtension("tenant", tenant)
			e.SetExtension("correlationid", fmt.Sprintf("corr-%d", j))
			data := map[string]any{"name": "pull", "actor": "user-" + tenant}
			if j%10 == 0 {
				e.SetType("io.hypo.registry.imagepull.secret.created")
				data["password"] = cliSecret
			} else {
				e.SetType("io.hypo.registry.imagepull.secret.read")
			}
			if err := e.SetData(event.ApplicationJSON, data); err != nil {
				b.Fatal(err)
			}
			evs = append(evs, e)
		}
		if _, err := l.Commit(b.Context(), "", evs, nil); err != nil {
			b.Fatal(err)
		}
	}
	db, err := bbolt.Open(datadir.Path(dir, datadir.ProjectionsDB), 0o600, &bbolt.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r, err := projections.NewRunner(db, l, allProjections()...)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.CatchUp(b.Context()); err != nil {
		b.Fatal(err)
	}
	benchAuditLog(b, dir, n)
	return dir, h
}

// benchAuditLog writes n records to the data directory's audit log, reads
// and writes as registryd records them.
func benchAuditLog(b *testing.B, dir string, n int) {
	b.Helper()
	l, err := auditlog.Open(auditlog.Options{Dir: datadir.Path(dir, datadir.AuditDir), Source: "urn:hypo:registry"})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	const per = 1000
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < n; i += per {
		entries := make([]auditlog.Entry, 0, per)
		for j := i; j < i+per && j < n; j++ {
			tenant := []string{"acme", "globex"}[j%2]
			e := auditlog.Entry{
				Time: at.Add(time.Duration(j) * time.Millisecond), Type: "io.hypo.registry.imagepull.secret.read",
				Tenant: tenant, Subject: tenant + "/image-pull/pull", CorrelationID: uuid.NewString(),
				Data: []byte(`{"actor":"user-` + tenant + `","name":"pull","version":1}`),
			}
			if j%10 == 0 {
				e.Type, e.ID, e.EventSeq = "io.hypo.registry.imagepull.secret.created", uuid.NewString(), uint64(j+1)
			}
			entries = append(entries, e)
		}
		if _, err := l.Append(b.Context(), entries...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuditReplay times `registryctl audit replay` of the whole log
// into a new file, every projection included.
func BenchmarkAuditReplay(b *testing.B) {
	dir, _ := benchDataDir(b, benchEvents)
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		out := filepath.Join(b.TempDir(), fmt.Sprintf("replay-%d.db", i))
		if _, _, err := runAudit("audit", "replay", "--data-dir", dir, "--out", out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchEvents*b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkAuditVerify times `registryctl audit verify` of the whole audit
// log (benchEvents records).
func BenchmarkAuditVerify(b *testing.B) {
	dir, _ := benchDataDir(b, benchEvents)
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if out, _, err := runAudit("audit", "verify", "--data-dir", dir); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
	b.ReportMetric(float64(benchEvents*b.N)/time.Since(start).Seconds(), "records/s")
}
