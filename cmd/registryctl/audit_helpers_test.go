package main

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
)

const cliSecret = "cli-s3cret-value"

// auditDataDir populates a data directory the way an older registryd would:
// an audit key, an event log with n events, and projections fed from it,
// the audit chain among them.
func auditDataDir(t *testing.T, n int) string {
	return dataDirWith(t, n, true)
}

// dataDirWith is auditDataDir, with the audit chain in projections.db only
// when legacy.
func dataDirWith(t *testing.T, n int, legacy bool) string {
	t.Helper()
	dir := t.TempDir()
	key, err := redact.LoadKey(datadir.Path(dir, datadir.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	h, err := redact.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := bolt.Open(datadir.Path(dir, datadir.EventsDB), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 1; i <= n; i++ {
		tenant := []string{"acme", "globex"}[i%2]
		e := event.New()
		e.SetID(fmt.Sprintf("ev-%d", i))
		e.SetSource("/registry/test")
		e.SetType("io.hypo.registry.imagepull.secret.created")
		e.SetSubject(tenant + "/pull")
		e.SetTime(time.Date(2025, 3, 1, 12, i, 0, 0, time.UTC))
		e.SetExtension("tenant", tenant)
		if err := e.SetData(event.ApplicationJSON, map[string]any{"name": "pull", "password": cliSecret}); err != nil {
			t.Fatal(err)
		}
		if _, err := l.Commit(t.Context(), fmt.Sprintf("cmd-%d", i), []event.Event{e}, []byte("ok")); err != nil {
			t.Fatal(err)
		}
	}
	db, err := bbolt.Open(datadir.Path(dir, datadir.ProjectionsDB), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ps := allProjections()
	if legacy {
		ps = legacyProjections(t, h)
	}
	r, err := projections.NewRunner(db, l, ps...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CatchUp(t.Context()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// legacyProjections are the read models and the audit projection an
// older registryd kept in projections.db (before the audit log).
func legacyProjections(t testing.TB, h *redact.Hasher) []projections.Projection {
	t.Helper()
	audit, err := vhost.SampleHeartbeats(projections.NewAudit(h), vhost.AuditConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return append([]projections.Projection{audit}, allProjections()...)
}

func runAudit(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err = root.Execute()
	return out.String(), errb.String(), err
}

func dumpFile(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	db, err := openReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := projections.DumpBuckets(db)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
