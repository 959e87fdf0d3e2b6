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

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/adapters/auditlog"
	"github.com/hypo-registry/registry/internal/app/datadir"
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
	// Reads are queries: their records are in the audit log,
	// not in the event log.
	records := reg.AuditRecords(t)
	queries, _ := json.Marshal(records)
	assertAbsent(t, "audit records", queries, canaries)
	if !bytes.Contains(queries, []byte("io.hypo.registry.imagepull.secret.read")) {
		t.Errorf("no read record in the audit log: %s", queries)
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

	commands := 0
	for _, r := range records {
		if r.EventSeq > 0 {
			commands++
		}
	}
	if commands != len(all) {
		t.Errorf("the audit log has %d command records for %d events", commands, len(all))
	}

	assertAbsentFromDataDir(t, reg.DataDir, canaries)
}

// assertAbsentFromDataDir reads the data directory file by file, bytes as
// stored (the store seals), for canaries.
func assertAbsentFromDataDir(t *testing.T, dir string, canaries []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
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
	reg := testkit.StartRegistry(t, withTokenService)
	tok := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	base := reg.URL + "/registry-api/image-pull/secret/"
	for _, name := range []string{"a", "b", "c"} {
		testkit.Do(t, http.MethodPost, base+name, tok, []byte(`{"username":"u","password":"p"}`))
		testkit.Do(t, http.MethodGet, base+name, tok, nil)
	}
	testkit.Do(t, http.MethodDelete, base+"b", tok, nil)
	testkit.Do(t, http.MethodGet, base+"b", tok, nil) // rejected: not found
	// Every other projection too: virtual hosts with sampled heartbeats, a
	// role mapping, refresh grants and a revocation.
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
		// A refresh grant revoked by its subject, then one kept live.
		{http.MethodGet, reg.URL + "/token?service=registry&offline_token=true", tok, "", http.StatusOK},
		{http.MethodPost, reg.URL + "/registry-api/registry-token/revoke", tok, `{"subject":"alice"}`, http.StatusOK},
		{http.MethodGet, reg.URL + "/token?service=registry&offline_token=true", tok, "", http.StatusOK},
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

	records := reg.AuditRecords(t)
	sum, err := auditlog.Verify(reg.AuditDir(), nil)
	if err != nil || sum.Records != int64(len(records)) {
		t.Fatalf("verify: %+v, %v; want all %d records", sum, err, len(records))
	}
	// Every event is in the audit log once, as it is in the event log, but
	// the one heartbeat sampled out (the second of s1 within the sampling
	// interval); the reads are there as queries' records.
	bySeq := map[uint64]auditlog.Record{}
	reads := 0
	for _, r := range records {
		switch {
		case r.Type == "io.hypo.registry.audit.position":
		case r.EventSeq > 0:
			if _, dup := bySeq[r.EventSeq]; dup {
				t.Errorf("event %d is in the audit log twice", r.EventSeq)
			}
			bySeq[r.EventSeq] = r
		case r.Type == "io.hypo.registry.imagepull.secret.read":
			reads++
		}
	}
	if reads != 3 {
		t.Errorf("the audit log has %d reads, want 3", reads)
	}
	missing := 0
	if _, err := reg.Events().Read(context.Background(), 1, 0, func(seq uint64, e event.Event) error {
		r, ok := bySeq[seq]
		switch {
		case !ok && e.Type() == events.VirtualHostServerHeartbeat:
			missing++
		case !ok:
			t.Errorf("event %d (%s) is not in the audit log", seq, e.Type())
		case r.ID != e.ID() || r.Type != e.Type() || r.Subject != e.Subject() || !r.Time.Equal(e.Time()) || !bytes.Equal(r.Data, e.Data()):
			t.Errorf("event %d: audit record %+v differs from the event %s", seq, r, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if missing != 1 {
		t.Errorf("%d heartbeats left out of the audit log, want the 1 sampled out", missing)
	}

	live, counts := replayEqualsLive(t, reg)
	if counts["vhost"] != reg.Events().Last() {
		t.Errorf("replay applied %d events, log has %d", counts["vhost"], reg.Events().Last())
	}
	for _, b := range []string{vhost.HostsBucket, vhost.ServersBucket, rolemap.Bucket, owners.Bucket, registrytoken.GrantsBucket} {
		if len(live[b]) == 0 {
			t.Errorf("live bucket %s is empty: the flows above should have filled it", b)
		}
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
