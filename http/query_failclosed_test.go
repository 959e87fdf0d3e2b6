package rest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// A secret leaves only once its audit record is durable: with the audit
// log of queries stopped, a GET is 503 problem details holding no secret,
// and so is a token, while a write (a command, audited by the event log)
// still succeeds.
func TestQueryFailsClosedWithoutAudit(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
		url := reg.URL + "/registry-api/image-pull/secret/fail-closed"
		const password = "fail-closed-canary-pw"
		if r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"`+password+`"}`)); r.Status != http.StatusCreated {
			t.Fatalf("POST: %d %s", r.Status, r.Body)
		}
		if r := testkit.Do(t, http.MethodGet, url, tok, nil); r.Status != http.StatusOK || !strings.Contains(string(r.Body), password) {
			t.Fatalf("GET with the audit log up: %d %s", r.Status, r.Body)
		}
		if err := reg.AuditLog().Close(); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{url, reg.URL + "/registry-api/image-pull/secrets"} {
			r := testkit.Do(t, http.MethodGet, path, tok, nil)
			if r.Status != http.StatusServiceUnavailable {
				t.Fatalf("GET %s without the audit log: %d %s, want 503", path, r.Status, r.Body)
			}
			if strings.Contains(string(r.Body), password) || strings.Contains(string(r.Body), `"username"`) {
				t.Errorf("GET %s without the audit log answers data: %s", path, r.Body)
			}
			var p struct {
				Status int    `json:"status"`
				Detail string `json:"detail"`
			}
			if err := json.Unmarshal(r.Body, &p); err != nil || p.Status != 503 || r.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %s: not problem details: %s %s", path, r.Header.Get("Content-Type"), r.Body)
			}
		}
		if r := testkit.Do(t, http.MethodPatch, url, tok, []byte(`{"password":"p2"}`)); r.Status != http.StatusOK {
			t.Errorf("PATCH (a command) without the query audit log: %d %s", r.Status, r.Body)
		}
	})
}
