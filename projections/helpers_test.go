package projections_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

var baseTime = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func hasher(t testing.TB) *redact.Hasher {
	t.Helper()
	h, err := redact.NewHasher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// ev builds the i-th test event: one minute apart, tenant and type given.
func ev(t testing.TB, i int, tenant, typ string, data map[string]any) event.Event {
	t.Helper()
	e := event.New()
	e.SetID(fmt.Sprintf("ev-%d", i))
	e.SetSource("/registry/test")
	e.SetType(typ)
	e.SetSubject(tenant + "/res-" + fmt.Sprint(i))
	e.SetTime(baseTime.Add(time.Duration(i) * time.Minute))
	e.SetExtension("tenant", tenant)
	e.SetExtension("correlationid", fmt.Sprintf("corr-%d", i))
	e.SetExtension("causationid", fmt.Sprintf("cmd-%d", i))
	if data == nil {
		data = map[string]any{"name": fmt.Sprintf("res-%d", i)}
	}
	if err := e.SetData(event.ApplicationJSON, data); err != nil {
		t.Fatal(err)
	}
	return e
}

const typeCreated = "io.hypo.registry.imagepull.secret.created"

// fillLog commits n default events to l, in commits of up to 10.
func fillLog(t testing.TB, l *bolt.Log, from, n int) {
	t.Helper()
	for i := from; i < from+n; {
		var evs []event.Event
		for ; i < from+n && len(evs) < 10; i++ {
			evs = append(evs, ev(t, i, "acme", typeCreated, nil))
		}
		if _, err := l.Commit(t.Context(), "", evs, nil); err != nil {
			t.Fatalf("Commit: %v", err)
		}
	}
}

func newLog(t testing.TB) *bolt.Log {
	t.Helper()
	l, err := bolt.Open(filepath.Join(t.TempDir(), "events.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
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
	t.Helper()
	return openDB(t, filepath.Join(t.TempDir(), "projections.db"))
}

// project applies the whole log with the audit projection and returns the db.
func project(t testing.TB, l *bolt.Log) *bbolt.DB {
	t.Helper()
	db := newDB(t)
	r, err := projections.NewRunner(db, l, projections.NewAudit(hasher(t)))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	return db
}

func records(t testing.TB, db *bbolt.DB) []projections.Record {
	t.Helper()
	var out []projections.Record
	err := projections.TailAudit(db, projections.AuditFilter{}, func(r projections.Record) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
