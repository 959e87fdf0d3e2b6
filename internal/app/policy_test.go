package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/schemas"
	"github.com/hypo-registry/registry/testkit"
)

// restPolicy freezes reads of the image-pull secret "blocked" (with a
// reason) and refuses Fabric writes to callers whose token lacks the mfa
// claim (without one).
const restPolicy = `package registry.authz

default allow := true

allow := {"allow": false, "reason": "secret blocked is frozen"} if {
	input.entrypoint == "rest"
	input.resource.scope == "image-pull"
	input.resource.name == "blocked"
	input.action == "read"
}

allow := false if {
	input.resource.scope == "fabric"
	input.action == "write"
	not input.caller.claims.mfa
}
`

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The policy denies on REST what the built-in options allowed: 403 with
// its reason, an audit record naming the policy's hash, metrics; it is
// reloaded when its file changes, and a broken file keeps the last good
// policy.
func TestPolicyOnREST(t *testing.T) {
	t.Parallel()
	dir := testkit.PolicyDir(t, restPolicy)
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.Policy = app.PolicyConfig{Path: dir, Claims: []string{"mfa"}, ReloadInterval: 20 * time.Millisecond}
	})
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	secret := reg.URL + "/registry-api/image-pull/secret/"
	for _, name := range []string{"blocked", "open"} {
		if r := testkit.Do(t, http.MethodPost, secret+name, alice, []byte(`{"username":"u","password":"p","url":"https://r.example.com"}`)); r.Status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", name, r.Status, r.Body)
		}
	}
	r := testkit.Do(t, http.MethodGet, secret+"blocked", alice, nil)
	var problem struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	}
	r.JSON(t, &problem)
	if r.Status != http.StatusForbidden || problem.Detail != "forbidden: denied by the authorization policy: secret blocked is frozen" {
		t.Fatalf("GET blocked: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodGet, secret+"open", alice, nil); r.Status != http.StatusOK {
		t.Fatalf("GET open: %d %s", r.Status, r.Body)
	}

	fabric := reg.URL + "/registry-api/fabric/secret/ctrl-1"
	if r := testkit.Do(t, http.MethodPost, fabric, alice, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusForbidden ||
		!strings.Contains(string(r.Body), `"forbidden: denied by the authorization policy"`) {
		t.Fatalf("Fabric write without mfa: %d %s", r.Status, r.Body)
	}
	withMFA, err := reg.OIDC.Mint(oidcdev.Claims{Subject: "alice", Groups: []string{tenant}, Roles: []string{"developer"}, Extra: map[string]any{"mfa": true}})
	if err != nil {
		t.Fatal(err)
	}
	if r := testkit.Do(t, http.MethodPost, fabric, withMFA, []byte(`{"username":"u","password":"p"}`)); r.Status != http.StatusCreated {
		t.Fatalf("Fabric write with mfa: %d %s", r.Status, r.Body)
	}

	first := reg.Policy().Hash()
	denied, loaded := policyRecords(t, reg)
	if len(loaded) != 1 || loaded[0]["policyHash"] != first || loaded[0]["reason"] != "start" {
		t.Fatalf("policy loaded records: %v", loaded)
	}
	if len(denied) != 2 {
		t.Fatalf("want 2 denial records, got %v", denied)
	}
	d := denied[0]
	in, _ := d["policyInput"].(map[string]any)
	res, _ := in["resource"].(map[string]any)
	if d["policyHash"] != first || !strings.HasPrefix(d["actor"].(string), "alice") || d["reason"] != "secret blocked is frozen" ||
		in["route"] != "/registry-api/image-pull/secret/{name}" || in["method"] != "GET" || res["name"] != "blocked" || res["tenant"] != tenant {
		t.Errorf("denial record: %v", d)
	}
	if raw, _ := json.Marshal(denied); strings.Contains(string(raw), "mfa") || strings.Contains(string(raw), "eyJ") {
		t.Errorf("a denial record holds a claim or a token: %s", raw)
	}
	metricsBody := testkit.Do(t, http.MethodGet, reg.URL+"/metrics", "", nil).Body
	problems, err := promlint.New(bytes.NewReader(metricsBody)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	metrics := string(metricsBody)
	for _, want := range []string{
		`registry_authz_policy_decisions_total{entrypoint="rest",outcome="deny"} 2`,
		`registry_authz_policy_info{sha256="` + first + `"} 1`,
		`registry_authz_policy_reload_failing 0`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// A change is picked up: "blocked" is readable again.
	if err := os.WriteFile(filepath.Join(dir, "policy.rego"), []byte(strings.Replace(restPolicy, `"blocked"`, `"other"`, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the reload", func() bool { return reg.Policy().Hash() != first })
	if r := testkit.Do(t, http.MethodGet, secret+"blocked", alice, nil); r.Status != http.StatusOK {
		t.Fatalf("GET blocked after the reload: %d %s", r.Status, r.Body)
	}
	second := reg.Policy().Hash()
	if _, loaded = policyRecords(t, reg); len(loaded) != 2 || loaded[1]["policyHash"] != second ||
		loaded[1]["previousPolicyHash"] != first || loaded[1]["reason"] != "reload" {
		t.Fatalf("policy loaded records after the reload: %v", loaded)
	}

	// A broken file keeps the last good policy, and says so.
	if err := os.WriteFile(filepath.Join(dir, "policy.rego"), []byte("package registry.authz\n\nallow if {\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload", func() bool {
		return strings.Contains(string(testkit.Do(t, http.MethodGet, reg.URL+"/metrics", "", nil).Body), "registry_authz_policy_reload_failing 1")
	})
	if reg.Policy().Hash() != second {
		t.Fatal("a broken policy replaced the last good one")
	}
	if r := testkit.Do(t, http.MethodGet, secret+"open", alice, nil); r.Status != http.StatusOK {
		t.Fatalf("GET open under the last good policy: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the failed reload's log line", func() bool {
		return strings.Contains(string(reg.Logs.Bytes()), "reload failed, the last good policy stays in force")
	})
}

// policyRecords returns the data of the audit log's policy records.
func policyRecords(t *testing.T, reg *testkit.Registry) (denied, loaded []map[string]any) {
	t.Helper()
	for _, rec := range reg.AuditRecords(t) {
		if rec.Type != events.AuthzPolicyDenied && rec.Type != events.AuthzPolicyLoaded {
			continue
		}
		s, err := schemas.EventCompiler().Compile(schemas.EventSchemaBase + rec.Type + ".v1.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := validateJSON(s, rec.Data); err != nil {
			t.Errorf("%s record does not match its schema: %v", rec.Type, err)
		}
		var data map[string]any
		if err := json.Unmarshal(rec.Data, &data); err != nil {
			t.Fatal(err)
		}
		if rec.Type == events.AuthzPolicyDenied {
			denied = append(denied, data)
		} else {
			loaded = append(loaded, data)
		}
	}
	return denied, loaded
}
