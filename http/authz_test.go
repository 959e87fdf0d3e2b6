package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// step is one request and the status it must get.
type step struct {
	who, method, path, body string
	want                    int
}

func runSteps(t *testing.T, reg *testkit.Registry, tokens map[string]string, steps []step) {
	t.Helper()
	for i, s := range steps {
		var body []byte
		if s.body != "" {
			body = []byte(s.body)
		}
		r := testkit.Do(t, s.method, reg.URL+s.path, tokens[s.who], body)
		if r.Status != s.want {
			t.Errorf("step %d: %s %s %s: status %d, want %d: %s", i, s.who, s.method, s.path, r.Status, s.want, r.Body)
		}
	}
}

const pullBody = `{"username":"u","password":"p","url":"https://registry.example.com"}`

// Role-based authorization with roles from the token (seed 002): reads need
// a role, writes developer or admin; authenticated read opens reads to
// every member.
func TestRoleBasedFromToken(t *testing.T) {
	t.Parallel()
	for _, authRead := range []bool{false, true} {
		reg := testkit.StartRegistry(t, func(c *app.Config) {
			c.Authz.RoleBased, c.Authz.AuthenticatedRead = true, authRead
		})
		tenant := reg.Tenant(t)
		tokens := map[string]string{
			"dev":    reg.Token(t, "dev", tenant, "developer"),
			"reader": reg.Token(t, "reader", tenant, "read-only"),
			"nobody": reg.Token(t, "nobody", tenant),
			"admin":  reg.Token(t, "admin", tenant, "admin"),
		}
		nobodyRead := http.StatusForbidden
		if authRead {
			nobodyRead = http.StatusOK
		}
		const s = "/registry-api/image-pull/secret/"
		runSteps(t, reg, tokens, []step{
			{"dev", http.MethodPost, s + "a", pullBody, http.StatusCreated},
			{"reader", http.MethodGet, s + "a", "", http.StatusOK},
			{"reader", http.MethodPost, s + "b", pullBody, http.StatusForbidden},
			{"reader", http.MethodPatch, s + "a", `{"password":"x"}`, http.StatusForbidden},
			{"nobody", http.MethodGet, s + "a", "", nobodyRead},
			{"nobody", http.MethodGet, "/registry-api/image-pull/secrets", "", nobodyRead},
			{"nobody", http.MethodDelete, s + "a", "", http.StatusForbidden},
			{"reader", http.MethodGet, "/registry-api/kube-conf/token/svc/term", "", http.StatusForbidden}, // a grant, not a read
			{"reader", http.MethodGet, "/registry-api/admin/roleMappings", "", http.StatusForbidden},
			{"admin", http.MethodGet, "/registry-api/admin/roleMappings", "", http.StatusOK},
			{"admin", http.MethodDelete, s + "a", "", http.StatusNoContent},
		})
		if r := testkit.Do(t, http.MethodPost, reg.URL+s+"b", tokens["reader"], []byte(pullBody)); !strings.Contains(string(r.Body), "developer") {
			t.Errorf("a refusal should say which role is needed: %s", r.Body)
		}
	}
}

// Roles managed by the registry (/admin/roleMappings), with an admin made
// by the admin override on a token role.
func TestRoleMappingsFromApplication(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.Authz.RoleBased, c.Authz.RoleSource = true, "application"
		c.Authz.AdminOverride.Enabled, c.Authz.AdminOverride.Role = true, "sr-admin"
	})
	tenant, other := reg.Tenant(t), reg.Tenant(t)
	tokens := map[string]string{
		"root":  reg.Token(t, "root", tenant, "sr-admin"),
		"bob":   reg.Token(t, "bob", tenant, "admin"), // token roles do not count here
		"other": reg.Token(t, "root", other, "sr-admin"),
	}
	bob := "bob@" + tenant
	const rm, s = "/registry-api/admin/roleMappings", "/registry-api/image-pull/secret/"
	runSteps(t, reg, tokens, []step{
		{"bob", http.MethodGet, s + "x", "", http.StatusForbidden},
		{"bob", http.MethodGet, rm, "", http.StatusForbidden},
		{"root", http.MethodPost, rm, `{"principalId":"` + bob + `","role":"DEVELOPER"}`, http.StatusCreated},
		{"root", http.MethodPost, rm, `{"principalId":"` + bob + `","role":"ADMIN"}`, http.StatusConflict},
		{"root", http.MethodPost, rm, `{"principalId":"carol","role":"OWNER"}`, http.StatusBadRequest},
		{"bob", http.MethodPost, s + "x", pullBody, http.StatusCreated},
		{"bob", http.MethodGet, rm, "", http.StatusForbidden},
		{"root", http.MethodPut, rm + "/" + bob, `{"role":"READ_ONLY"}`, http.StatusOK},
		{"bob", http.MethodPost, s + "y", pullBody, http.StatusForbidden},
		{"bob", http.MethodGet, s + "x", "", http.StatusOK},
		{"other", http.MethodGet, rm + "/" + bob, "", http.StatusNotFound}, // another tenant's mapping
		{"root", http.MethodDelete, rm + "/" + bob, "", http.StatusNoContent},
		{"root", http.MethodDelete, rm + "/" + bob, "", http.StatusNotFound},
		{"bob", http.MethodGet, s + "x", "", http.StatusForbidden},
	})
	var list []map[string]string
	testkit.Do(t, http.MethodGet, reg.URL+rm, tokens["root"], nil).JSON(t, &list)
	if len(list) != 0 {
		t.Errorf("mappings after delete: %v", list)
	}
}

// Owner-only: a secret's creator or an admin changes it, no other member.
func TestOwnerOnlyWrites(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.Authz.OwnerOnly = true })
	tenant := reg.Tenant(t)
	tokens := map[string]string{
		"alice": reg.Token(t, "alice", tenant, "developer"),
		"bob":   reg.Token(t, "bob", tenant, "developer"),
		"admin": reg.Token(t, "admin", tenant, "admin"),
	}
	repo := "/registry-api/package-registry/secret/" + enc("https://charts.example.com/myrepo")
	runSteps(t, reg, tokens, []step{
		{"alice", http.MethodPost, "/registry-api/image-pull/secret/a", pullBody, http.StatusCreated},
		{"bob", http.MethodPatch, "/registry-api/image-pull/secret/a", `{"password":"x"}`, http.StatusForbidden},
		{"bob", http.MethodDelete, "/registry-api/image-pull/secret/a", "", http.StatusForbidden},
		{"bob", http.MethodGet, "/registry-api/image-pull/secret/a", "", http.StatusOK},
		{"alice", http.MethodPatch, "/registry-api/image-pull/secret/a", `{"password":"x"}`, http.StatusOK},
		{"admin", http.MethodDelete, "/registry-api/image-pull/secret/a", "", http.StatusNoContent},
		// Recreated by bob, it is bob's.
		{"bob", http.MethodPost, "/registry-api/image-pull/secret/a", pullBody, http.StatusCreated},
		{"alice", http.MethodDelete, "/registry-api/image-pull/secret/a", "", http.StatusForbidden},
		// Another spelling of a package-registry URL is the same secret.
		{"alice", http.MethodPost, repo, pullBody, http.StatusCreated},
		{"bob", http.MethodDelete, "/registry-api/package-registry/secret/" + enc("charts.example.com/myrepo/"), "", http.StatusForbidden},
		{"alice", http.MethodPost, "/registry-api/fabric/secret/ctrl-1", `{"username":"u","password":"p"}`, http.StatusCreated},
		{"bob", http.MethodPatch, "/registry-api/fabric/secret/ctrl-1", `{"password":"x"}`, http.StatusForbidden},
		{"alice", http.MethodDelete, "/registry-api/fabric/secret/ctrl-1", "", http.StatusNoContent},
	})
}

// Admin override by a claim value: its holder is admin, others are not.
func TestAdminOverrideByClaim(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.Authz.AdminOverride = authzClaim("org.superuser", "yes")
	})
	tenant := reg.Tenant(t)
	mint := func(sub string, extra map[string]any) string {
		tok, err := reg.OIDC.Issuer.Mint(oidcdev.Claims{Subject: sub, Groups: []string{tenant}, Extra: extra})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tokens := map[string]string{
		"super":  mint("super", map[string]any{"org": map[string]any{"superuser": "yes"}}),
		"almost": mint("almost", map[string]any{"org": map[string]any{"superuser": "no"}}),
	}
	runSteps(t, reg, tokens, []step{
		{"super", http.MethodGet, "/registry-api/admin/roleMappings", "", http.StatusOK},
		{"almost", http.MethodGet, "/registry-api/admin/roleMappings", "", http.StatusForbidden},
		// The override reaches the handlers' own admin checks too.
		{"super", http.MethodGet, "/registry-api/policy/" + tenant + "_policy", "", http.StatusNotFound},
		{"almost", http.MethodGet, "/registry-api/policy/" + tenant + "_policy", "", http.StatusForbidden},
	})
}

// HTTP basic client credentials, exchanged at the issuer's token endpoint.
func TestBasicClientCredentials(t *testing.T) {
	t.Parallel()
	tenant := testkit.RandomTenant(t)
	iss := testkit.StartOIDCWith(t, oidcdev.Options{Audience: testkit.Audience, Clients: map[string]oidcdev.ClientSpec{
		"ci-bot": {Secret: "ci-secret-8d1f", Groups: []string{tenant}, Roles: []string{"developer"}},
	}})
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: iss.URL, Audience: testkit.Audience}
		c.BasicAuth.Enabled = true
		c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{})
	})
	do := func(user, pass, method, path string, body []byte) testkit.Response {
		req, _ := http.NewRequest(method, reg.URL+path, strings.NewReader(string(body)))
		req.SetBasicAuth(user, pass)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return testkit.Response{Status: resp.StatusCode}
	}
	if r := do("ci-bot", "ci-secret-8d1f", http.MethodPost, "/registry-api/image-pull/secret/ci", []byte(pullBody)); r.Status != http.StatusCreated {
		t.Fatalf("basic create: %d", r.Status)
	}
	if r := do("ci-bot", "ci-secret-8d1f", http.MethodGet, "/registry-api/image-pull/secret/ci", nil); r.Status != http.StatusOK {
		t.Errorf("basic read (cached token): %d", r.Status)
	}
	if r := do("ci-bot", "wrong", http.MethodGet, "/registry-api/image-pull/secret/ci", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("wrong secret: %d, want 401", r.Status)
	}
	if r := do("nobody", "x", http.MethodGet, "/registry-api/image-pull/secret/ci", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("unknown client: %d, want 401", r.Status)
	}
	// The Docker token realm takes the same client credentials (docker login
	// with a robot account).
	if r := do("ci-bot", "ci-secret-8d1f", http.MethodGet, "/token?service=registry&scope=repository:"+tenant+"/app:pull", nil); r.Status != http.StatusOK {
		t.Errorf("/token with client credentials: %d", r.Status)
	}
	if r := do("ci-bot", "wrong", http.MethodGet, "/token?service=registry&scope=repository:"+tenant+"/app:pull", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("/token with a wrong secret: %d, want 401", r.Status)
	}
	if strings.Contains(string(reg.Logs.Bytes()), "ci-secret-8d1f") {
		t.Error("the client secret reached the logs")
	}
	// Off by default: basic credentials are refused with a clear reason.
	plain := testkit.StartRegistry(t)
	req, _ := http.NewRequest(http.MethodGet, plain.URL+"/registry-api/image-pull/secrets", nil)
	req.SetBasicAuth("ci-bot", "ci-secret-8d1f")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("basic while off: %d, want 401", resp.StatusCode)
	}
}

// Anonymous read serves the virtual hosts' public data only, never tenant
// data, and only when switched on.
func TestAnonymousRead(t *testing.T) {
	t.Parallel()
	for _, on := range []bool{false, true} {
		reg := testkit.StartRegistry(t, func(c *app.Config) { c.Authz.AnonymousRead = on })
		want := http.StatusUnauthorized
		if on {
			want = http.StatusOK
		}
		if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry/v1/virtualHost", "", nil); r.Status != want {
			t.Errorf("anonymous read %v: virtual hosts %d, want %d", on, r.Status, want)
		}
		if r := testkit.Do(t, http.MethodPost, reg.URL+"/registry/v1/virtualHost", "", []byte(`{"name":"a.example"}`)); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous read %v: anonymous create %d, want 401", on, r.Status)
		}
		if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secrets", "", nil); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous read %v: tenant secrets %d, want 401", on, r.Status)
		}
	}
}

func authzClaim(claim, value string) authz.AdminOverride {
	return authz.AdminOverride{Enabled: true, Type: "claim", Claim: claim, ClaimValue: value}
}
