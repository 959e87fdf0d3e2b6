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

// While registryd runs and answers reads, audit tail prints each read and
// the create (no secret), verify checks the live chain and a pinned head,
// export archives the sealed segments, and verify --archive checks archive
// and live log as one chain; verify --legacy says projections.db is held.
func TestAuditLogWhileRunning(t *testing.T) {
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

	if err := reg.WaitAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
	out, _, err := runAudit("audit", "tail", "--type", "io.hypo.registry.imagepull.secret.read", "--type", "io.hypo.registry.imagepull.secret.created", "--data-dir", reg.DataDir)
	if err != nil {
		t.Fatalf("tail: %v", err)
	}
	if strings.Contains(out, password) {
		t.Errorf("tail prints the password")
	}
	lines, created := 0, 0
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var rec logRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("tail line %q: %v", sc.Text(), err)
		}
		if rec.Tenant != tenant || rec.Subject == "" || rec.Hash == "" {
			t.Errorf("tail record %+v", rec)
		}
		if rec.EventSeq > 0 {
			created++
		} else {
			lines++
		}
	}
	if lines != reads || created != 1 {
		t.Errorf("tail printed %d reads and %d command events, want %d and 1", lines, created, reads)
	}

	out, _, err = runAudit("audit", "verify", "--data-dir", reg.DataDir)
	if err != nil || !strings.Contains(out, "ok: no problems") {
		t.Fatalf("verify while running: %v\n%s", err, out)
	}
	var pin string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "pin:     --head "); ok {
			pin = rest
		}
	}
	if _, _, err := runAudit("audit", "verify", "--head", pin, "--data-dir", reg.DataDir); err != nil {
		t.Errorf("verify --head %s: %v", pin, err)
	}
	forged := pin[:len(pin)-1] + map[bool]string{true: "0", false: "1"}[pin[len(pin)-1] != '0']
	if _, _, err := runAudit("audit", "verify", "--head", forged, "--data-dir", reg.DataDir); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Errorf("verify --head with another hash: %v, want rewritten", err)
	}
	if _, _, err := runAudit("audit", "verify", "--legacy", "--data-dir", reg.DataDir); err == nil || !strings.Contains(err.Error(), "is registryd running") {
		t.Errorf("verify --legacy of the locked projections.db: %v", err)
	}

	archive := filepath.Join(t.TempDir(), "audit-1.tar.gz")
	out, _, err = runAudit("audit", "export", "--out", archive, "--data-dir", reg.DataDir)
	if err != nil || !strings.Contains(out, "exported") {
		t.Fatalf("export: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(archive); err != nil || len(b) == 0 {
		t.Fatalf("archive: %v (%d bytes)", err, len(b))
	}
	if out, _, err := runAudit("audit", "verify", "--archive", archive, "--data-dir", reg.DataDir); err != nil || !strings.Contains(out, "1 archives") {
		t.Fatalf("verify --archive: %v\n%s", err, out)
	}
	if out, _, err := runAudit("audit", "export", "--out", archive+".again", "--data-dir", reg.DataDir); err != nil || !strings.Contains(out, "nothing to export") {
		t.Errorf("a second export with no new sealed segment: %v\n%s", err, out)
	}
}
