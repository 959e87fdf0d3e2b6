package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/testkit"
)

// tailLines decodes the JSON lines tail printed.
func tailLines(t *testing.T, out []byte) []logRecord {
	t.Helper()
	var recs []logRecord
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var r logRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("tail line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

// TestAuditTailServer: tail --server reads a running registry's audit log
// over REST with the token's view (a tenant admin its tenant's records),
// and with --follow prints records written after it started.
func TestAuditTailServer(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	a, b := reg.Tenant(t), reg.Tenant(t)
	devA, devB := reg.Token(t, "dev", a, "developer"), reg.Token(t, "dev", b, "developer")
	adminA := reg.Token(t, "boss", a, "admin")
	platform := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	const password = "tail-server-canary"
	create := func(token, name string) {
		t.Helper()
		u := reg.URL + "/registry-api/image-pull/secret/" + name
		if r := testkit.Do(t, http.MethodPost, u, token, []byte(`{"username":"u","password":"`+password+`"}`)); r.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", name, r.Status, r.Body)
		}
	}
	create(devA, "before")
	create(devB, "before")

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out := &testkit.SyncBuffer{}
	done := make(chan error, 1)
	go func() {
		root := newRootCmd()
		root.SetOut(out)
		root.SetErr(&testkit.SyncBuffer{})
		root.SetArgs([]string{"audit", "tail", "--follow", "--interval", "50ms", "--server", reg.URL, "--token", adminA,
			"--type", events.ImagePullSecretCreated, "--type", events.AuditRecordsRead})
		done <- root.ExecuteContext(ctx)
	}()
	// waitFor waits until tail printed a created record of tenant's secret name.
	waitFor := func(tenant, name string) {
		t.Helper()
		for {
			for _, r := range tailLines(t, out.Bytes()) {
				if r.Type == events.ImagePullSecretCreated && r.Tenant == tenant && strings.HasSuffix(r.Subject, "/"+name) {
					return
				}
			}
			select {
			case <-ctx.Done():
				t.Fatalf("tail --follow did not print %s's %s within the timeout; printed:\n%s", tenant, name, out.Bytes())
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitFor(a, "before")
	create(devA, "after")
	create(devB, "after")
	waitFor(a, "after")
	time.Sleep(200 * time.Millisecond) // a few more polls, whose own records must not print
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("tail --follow ended with %v", err)
	}
	recs := tailLines(t, out.Bytes())
	seen := map[uint64]bool{}
	for _, r := range recs {
		if r.Tenant != a {
			t.Errorf("tenant %s's admin was shown a record of %q: %+v", a, r.Tenant, r)
		}
		if r.Type == events.AuditRecordsRead {
			t.Errorf("tail printed its own poll's record: %+v", r)
		}
		if seen[r.Index] {
			t.Errorf("record %d printed twice", r.Index)
		}
		seen[r.Index] = true
	}
	if strings.Contains(string(out.Bytes()), password) {
		t.Error("tail printed the password")
	}

	// Without --follow: the platform admin's view, once, then exit.
	stdout, _, err := runAudit("audit", "tail", "--server", reg.URL, "--token", platform, "--type", events.ImagePullSecretCreated)
	if err != nil {
		t.Fatalf("tail --server: %v", err)
	}
	byTenant := map[string]int{}
	for _, r := range tailLines(t, []byte(stdout)) {
		byTenant[r.Tenant]++
	}
	if byTenant[a] != 2 || byTenant[b] != 2 {
		t.Errorf("platform admin's tail: created records by tenant %v, want 2 of %s and of %s", byTenant, a, b)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"developer", []string{"--server", reg.URL, "--token", devA}, "403"},
		{"no token", []string{"--server", reg.URL}, "REGISTRY_TOKEN"},
		{"not a URL", []string{"--server", "registry:8080", "--token", adminA}, "base URL"},
		{"from with server", []string{"--server", reg.URL, "--token", adminA, "--from", "3"}, "--from"},
		{"token without server", []string{"--token", adminA}, "for --server"},
		{"bad since", []string{"--server", reg.URL, "--token", adminA, "--since", "yesterday"}, "RFC 3339"},
	} {
		_, _, err := runAudit(append([]string{"audit", "tail", "--data-dir", reg.DataDir}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), adminA) {
			t.Errorf("%s: the error shows the token", tc.name)
		}
	}
}
