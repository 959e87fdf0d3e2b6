package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/projections"
	"github.com/hypo-registry/registry/projections/owners"
	"github.com/hypo-registry/registry/testkit"
)

// Known secret values, each distinctive enough that finding it anywhere is
// a leak and not a coincidence.
const (
	secretPassword = "pw-9f4e2c61-leak-canary"
	secretRotated  = "pw-rotated-3b7d0a55-canary"
	secretUser     = "user-canary-71c2"
)

// TestNoSecretLeaves runs every image-pull flow with known secret values,
// including refused ones, then scans everything the service wrote: log
// lines, the event log, the audit log, every file in the data directory.
// Only replies to the authorised caller may carry the values.
func TestNoSecretLeaves(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	alice := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	bob := reg.OIDC.Token(t, "bob", []string{"tenant-b"}, "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	body := `{"username":"` + secretUser + `","password":"` + secretPassword + `","url":"https://registry.example.com"}`

	steps := []struct {
		method, path, token, body string
		want                      int
	}{
		{http.MethodPost, "canary", alice, body, 201},
		{http.MethodPost, "canary", alice, body, 409},
		{http.MethodGet, "canary", alice, "", 200},
		{http.MethodGet, "canary", bob, "", 404},
		{http.MethodPatch, "canary", bob, `{"password":"` + secretRotated + `"}`, 404},
		{http.MethodPatch, "canary", alice, `{"password":"` + secretRotated + `"}`, 200},
		{http.MethodPost, "refused", alice, `{"username":"` + secretUser + `","password":"` + secretPassword + `","bogus":1}`, 400},
		{http.MethodPost, "refused2", alice, `{"username":"` + secretUser + `","password":"` + secretPassword + `","url":"https://u:` + secretPassword + `@x.example"}`, 400},
		{http.MethodPost, "refused3", "not-a-token-" + secretPassword, body, 401},
		{http.MethodDelete, "canary", alice, "", 204},
	}
	for _, s := range steps {
		var b []byte
		if s.body != "" {
			b = []byte(s.body)
		}
		r := testkit.Do(t, s.method, base+s.path, s.token, b)
		if r.Status != s.want {
			t.Fatalf("%s %s: status %d, want %d (%s)", s.method, s.path, r.Status, s.want, r.Body)
		}
		if s.want != 200 && (bytes.Contains(r.Body, []byte(secretPassword)) || bytes.Contains(r.Body, []byte(secretRotated))) {
			t.Errorf("%s %s: a non-read reply carries a secret: %s", s.method, s.path, r.Body)
		}
	}
	waitProjections(t, reg)

	canaries := []string{secretPassword, secretRotated, secretUser, alice, bob}
	assertAbsent(t, "log lines", reg.Logs.Bytes(), canaries)

	var all []event.Event
	if _, err := reg.Events().Read(context.Background(), 1, 0, func(_ uint64, e event.Event) error {
		all = append(all, e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(all)
	assertAbsent(t, "events", raw, canaries)
	// Reads are queries: their records are in the audit log of queries,
	// not in the event log.
	queries, _ := json.Marshal(reg.QueryAudit(t))
	assertAbsent(t, "query audit records", queries, canaries)
	if !bytes.Contains(queries, []byte("io.hypo.registry.imagepull.secret.read")) {
		t.Errorf("no read record in the audit log of queries: %s", queries)
	}
	if bytes.Contains(raw, []byte("io.hypo.registry.imagepull.secret.read")) {
		t.Errorf("a read is in the event log: queries must not feed the read models")
	}
	if !bytes.Contains(raw, []byte("hmac-sha256:")) {
		t.Errorf("events hold no HMAC of the secret fields: the flows were not recorded")
	}
	wantTypes := []string{
		"io.hypo.registry.imagepull.secret.created", "io.hypo.registry.command.rejected",
		"io.hypo.registry.imagepull.secret.updated",
		"io.hypo.registry.imagepull.secret.deleted",
	}
	for _, typ := range wantTypes {
		if !bytes.Contains(raw, []byte(typ)) {
			t.Errorf("no %s event", typ)
		}
	}

	var records []projections.Record
	if err := projections.TailAudit(reg.ProjectionsDB(), projections.AuditFilter{}, func(r projections.Record) error {
		records = append(records, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(records) != len(all) {
		t.Errorf("audit has %d records for %d events", len(records), len(all))
	}
	rawAudit, _ := json.Marshal(records)
	assertAbsent(t, "audit records", rawAudit, canaries)

	// The data directory, file by file, bytes as stored (the store seals).
	err := filepath.WalkDir(reg.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == datadir.DevIssuer {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		assertAbsent(t, path, b, canaries)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditVerifiesAndReplays checks the live audit log verifies clean and
// that a replay of the event log into a fresh database gives the same
// projections, bucket for bucket.
func TestAuditVerifiesAndReplays(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tok := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	for _, name := range []string{"a", "b", "c"} {
		testkit.Do(t, http.MethodPost, base+name, tok, []byte(`{"username":"u","password":"p"}`))
		testkit.Do(t, http.MethodGet, base+name, tok, nil)
	}
	testkit.Do(t, http.MethodDelete, base+"b", tok, nil)
	testkit.Do(t, http.MethodGet, base+"b", tok, nil) // rejected: not found
	// Every other projection too: virtual hosts with sampled heartbeats, a
	// role mapping.
	admin := reg.OIDC.Token(t, "root", []string{"tenant-a"}, "admin")
	vh := reg.URL + "/registry/v1/virtualHost"
	for _, c := range []struct {
		method, url, token, body string
		want                     int
	}{
		{http.MethodPost, vh, tok, `{"name":"svc.example.com","port":443}`, http.StatusOK},
		{http.MethodPut, vh + "/svc.example.com/server/s1", tok, `{"host":"10.0.0.1","port":8080}`, http.StatusOK},
		{http.MethodPut, vh + "/svc.example.com/server/s1", tok, `{"host":"10.0.0.1","port":8080}`, http.StatusOK},
		{http.MethodPut, vh + "/svc.example.com/server/s2", tok, `{"host":"10.0.0.2"}`, http.StatusOK},
		{http.MethodDelete, vh + "/svc.example.com/server/s2", tok, "", http.StatusNoContent},
		{http.MethodPost, reg.URL + "/registry-api/admin/roleMappings", admin, `{"principalId":"carol","role":"DEVELOPER"}`, http.StatusCreated},
	} {
		var body []byte
		if c.body != "" {
			body = []byte(c.body)
		}
		if r := testkit.Do(t, c.method, c.url, c.token, body); r.Status != c.want {
			t.Fatalf("%s %s: %d, want %d: %s", c.method, c.url, r.Status, c.want, r.Body)
		}
	}
	waitProjections(t, reg)

	report, err := projections.VerifyAudit(reg.ProjectionsDB())
	if err != nil {
		t.Fatal(err)
	}
	// Every event is an audit record but the one heartbeat sampled out (the
	// second of s1 within the sampling interval).
	if want := int(reg.Events().Last()) - 1; len(report.Problems) != 0 || report.Records != want {
		t.Fatalf("verify: %+v, want %d records and no problem", report, want)
	}

	key, err := redact.LoadKey(filepath.Join(reg.DataDir, datadir.AuditKey))
	if err != nil {
		t.Fatal(err)
	}
	h, err := redact.NewHasher(key)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := bolt.Open(filepath.Join(t.TempDir(), "replay.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	ps, err := app.Projections(h, vhost.AuditConfig{})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := projections.Replay(context.Background(), reg.Events(), fresh, nil, ps...)
	if err != nil {
		t.Fatal(err)
	}
	if counts["audit"] != reg.Events().Last() {
		t.Errorf("replay applied %d events, log has %d", counts["audit"], reg.Events().Last())
	}
	var buckets []string
	for _, p := range ps {
		buckets = append(buckets, p.Buckets()...)
	}
	live, err := projections.DumpBuckets(reg.ProjectionsDB(), buckets...)
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := projections.DumpBuckets(fresh, buckets...)
	if err != nil {
		t.Fatal(err)
	}
	lj, _ := json.Marshal(live)
	rj, _ := json.Marshal(replayed)
	for _, b := range []string{"audit", vhost.HostsBucket, vhost.ServersBucket, rolemap.Bucket, owners.Bucket} {
		if len(live[b]) == 0 {
			t.Errorf("live bucket %s is empty: the flows above should have filled it", b)
		}
	}
	if !bytes.Equal(lj, rj) {
		t.Errorf("replayed projections differ from the live ones:\nlive     %s\nreplayed %s", lj, rj)
	}
}

func waitProjections(t *testing.T, reg *testkit.Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := reg.Runner().WaitFor(ctx, reg.Events().Last()); err != nil {
		t.Fatalf("projections did not catch up: %v", err)
	}
}

func assertAbsent(t *testing.T, where string, data []byte, canaries []string) {
	t.Helper()
	for _, c := range canaries {
		if c != "" && bytes.Contains(data, []byte(c)) {
			i := bytes.Index(data, []byte(c))
			t.Errorf("%s contain a secret value (%.12s…) at byte %d", where, c, i)
		}
	}
}
