package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// While registryd runs and answers reads, audit tail --queries prints each
// read (no secret), verify --queries checks the live chain, export archives
// the sealed segments, and verify --archive checks archive and live log as
// one chain; verify without --queries says projections.db is held.
func TestAuditQueriesWhileRunning(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.Audit.SegmentBytes = 4096 })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	url := reg.URL + "/registry-api/image-pull/secret/online"
	const password = "online-canary-pw"
	if r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"`+password+`"}`)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	const reads = 60 // ~200 bytes each: several 4 KiB segments
	for range reads {
		if r := testkit.Do(t, http.MethodGet, url, tok, nil); r.Status != http.StatusOK {
			t.Fatalf("GET: %d %s", r.Status, r.Body)
		}
	}

	out, _, err := runAudit("audit", "tail", "--queries", "--type", "io.hypo.registry.imagepull.secret.read", "--data-dir", reg.DataDir)
	if err != nil {
		t.Fatalf("tail --queries: %v", err)
	}
	if strings.Contains(out, password) {
		t.Errorf("tail prints the password")
	}
	lines := 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec queryRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("tail line %q: %v", sc.Text(), err)
		}
		if rec.Tenant != tenant || rec.Subject == "" || rec.Hash == "" {
			t.Errorf("tail record %+v", rec)
		}
		lines++
	}
	if lines != reads {
		t.Errorf("tail printed %d reads, want %d", lines, reads)
	}

	if out, _, err := runAudit("audit", "verify", "--queries", "--data-dir", reg.DataDir); err != nil || !strings.Contains(out, "queries head:") {
		t.Fatalf("verify --queries while running: %v\n%s", err, out)
	}
	if _, _, err := runAudit("audit", "verify", "--data-dir", reg.DataDir); err == nil || !strings.Contains(err.Error(), "--queries") {
		t.Errorf("verify of the locked projections.db: %v, want a hint at --queries", err)
	}

	archive := filepath.Join(t.TempDir(), "audit-1.tar.gz")
	out, _, err = runAudit("audit", "export", "--out", archive, "--data-dir", reg.DataDir)
	if err != nil || !strings.Contains(out, "exported") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(archive); err != nil || len(b) == 0 {
		t.Fatalf("archive: %v (%d bytes)", err, len(b))
	}
	if out, _, err := runAudit("audit", "verify", "--queries", "--archive", archive, "--data-dir", reg.DataDir); err != nil || !strings.Contains(out, "1 archives") {
		t.Fatalf("verify --archive: %v\n%s", err, out)
	}
	if out, _, err := runAudit("audit", "export", "--out", archive+".again", "--data-dir", reg.DataDir); err != nil || !strings.Contains(out, "nothing to export") {
		t.Errorf("a second export with no new sealed segment: %v\n%s", err, out)
	}
}
