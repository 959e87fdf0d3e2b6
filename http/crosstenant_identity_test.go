package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// The cross-tenant matrix for identity: tenant B's admin names tenant A's
// group and policy in every identity route. Reads, changes and deletes are
// 404 with the problem a never-used tenant's names get; creates naming A's
// are 403; B's group may not be given A's policy. Afterwards A's group and
// policy are what they were and A's members still reach their secrets.
// A platform admin of a third tenant does all of it.
func TestCrossTenantIdentity(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testCrossTenantIdentity)
}

func testCrossTenantIdentity(t *testing.T, reg *testkit.Registry) {
	api := reg.URL + "/registry-api"
	a, b, p := reg.Tenant(t), reg.Tenant(t), reg.Tenant(t)
	aDev := reg.Token(t, "alice", a, "developer")
	bDev := reg.Token(t, "bert", b, "developer")
	bAdmin := reg.Token(t, "mallory", b, "admin")
	platform := reg.Token(t, "root", p, "platform-admin")
	if reg.Vault == nil { // Vault's tenants come provisioned; embedded ones by their flow
		idExpect(t, http.StatusCreated, http.MethodPost, api+"/policy-group-flow/", aDev, "")
		idExpect(t, http.StatusCreated, http.MethodPost, api+"/policy-group-flow/", bDev, "")
	}
	idExpect(t, http.StatusCreated, http.MethodPost, api+"/image-pull/secret/a-pull", aDev, `{"username":"u","password":"a-secret"}`)

	aView := func() string {
		g := idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+a, platform, "")
		pol := idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+a+"_policy", platform, "")
		return string(g.Body) + string(pol.Body)
	}
	before := aView()
	never := testkit.RandomTenant(t) // a tenant no one provisioned

	for _, row := range []struct {
		name, method, path, body string
		status                   int
	}{
		{"GET group", http.MethodGet, "/group/%s", "", 404},
		{"GET group other case", http.MethodGet, "/group/%S", "", 404},
		{"PATCH group", http.MethodPatch, "/group/%s", `{"policies":[]}`, 404},
		{"DELETE group", http.MethodDelete, "/group/%s", "", 404},
		{"GET policy", http.MethodGet, "/policy/%s_policy", "", 404},
		{"PATCH policy", http.MethodPatch, "/policy/%s_policy", `{"rules":` + jsonStr(`path "hypo/data/image-pull/x/*" { capabilities = ["read"] }`) + `}`, 404},
		{"DELETE policy", http.MethodDelete, "/policy/%s_policy", "", 404},
		{"POST policy", http.MethodPost, "/policy/%s_policy", `{"rules":` + jsonStr(`path "hypo/data/image-pull/%s/*" { capabilities = ["read"] }`) + `}`, 403},
		{"POST group", http.MethodPost, "/group/", `{"name":"%s"}`, 403},
	} {
		t.Run("tenant admin of B: "+row.name, func(t *testing.T) {
			req := func(tenant string) testkit.Response {
				fill := func(s string) string {
					return strings.NewReplacer("%s", tenant, "%S", strings.ToUpper(tenant)).Replace(s)
				}
				var body []byte
				if row.body != "" {
					body = []byte(fill(row.body))
				}
				return testkit.Do(t, row.method, api+fill(row.path), bAdmin, body)
			}
			got, unknown := req(a), req(never)
			if got.Status != row.status {
				t.Fatalf("status %d, want %d; body %s", got.Status, row.status, got.Body)
			}
			if ct := got.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			// A's names answer exactly as a never-used tenant's.
			mask := func(body []byte, tenant string) string {
				return strings.NewReplacer(tenant, "T", strings.ToUpper(tenant), "T").Replace(string(body))
			}
			if mask(got.Body, a) != mask(unknown.Body, never) {
				t.Errorf("A's name answers otherwise than an unknown one:\n%s\n%s", got.Body, unknown.Body)
			}
		})
	}
	t.Run("tenant admin of B gives its group A's policy", func(t *testing.T) {
		r := testkit.Do(t, http.MethodPatch, api+"/group/"+b, bAdmin, []byte(`{"policies":["`+b+`_policy","`+a+`_policy"]}`))
		if r.Status != http.StatusForbidden {
			t.Fatalf("status %d, body %s", r.Status, r.Body)
		}
		var g idGroup
		idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+b, bAdmin, "").JSON(t, &g)
		if len(g.Policies) != 1 || g.Policies[0] != b+"_policy" {
			t.Errorf("B's group after the refusal: %+v", g)
		}
	})
	t.Run("tenant admin of B widens its policy to A's folders", func(t *testing.T) {
		rules := `path "hypo/data/image-pull/` + a + `/*" { capabilities = ["read"] }`
		r := testkit.Do(t, http.MethodPatch, api+"/policy/"+b+"_policy", bAdmin, []byte(`{"rules":`+jsonStr(rules)+`}`))
		if r.Status != http.StatusForbidden {
			t.Fatalf("status %d, body %s", r.Status, r.Body)
		}
	})

	if after := aView(); after != before {
		t.Errorf("A's group and policy changed:\nbefore %s\nafter  %s", before, after)
	}
	if r := testkit.Do(t, http.MethodGet, api+"/image-pull/secret/a-pull", aDev, nil); r.Status != http.StatusOK {
		t.Errorf("A's member reads its secret after the matrix: %d %s", r.Status, r.Body)
	}

	// The platform admin manages A's group and policy.
	idExpect(t, http.StatusOK, http.MethodPatch, api+"/group/"+a, platform, `{"metadata":{"reviewed":"yes"}}`)
	var g idGroup
	idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+a, platform, "").JSON(t, &g)
	if g.Metadata["reviewed"] != "yes" || len(g.Policies) != 1 || g.Policies[0] != a+"_policy" {
		t.Errorf("A's group after the platform admin's PATCH: %+v", g)
	}
	// A tenant admin still manages its own.
	idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+b+"_policy", bAdmin, "")
	idExpect(t, http.StatusOK, http.MethodPatch, api+"/group/"+b, bAdmin, `{"metadata":{"team":"b"}}`)
}

// Virtual hosts: a secure host of tenant A is changed (servers PUT and
// DELETE, host DELETE) only by its owners or a platform admin; a tenant
// admin, of A or of B, is refused all three alike. Its private material
// is in A's store, so a platform admin deletes the host as a member of A's
// group.
func TestCrossTenantVirtualHosts(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testCrossTenantVirtualHosts)
}

func testCrossTenantVirtualHosts(t *testing.T, reg *testkit.Registry) {
	base := reg.URL + "/registry/v1/virtualHost"
	a, b, p := reg.Tenant(t), reg.Tenant(t), reg.Tenant(t)
	alice := reg.Token(t, "alice", a, "developer")
	name := a + ".secure.example.com"
	body := `{"virtualHost":{"name":"` + name + `","owner":["user:alice@` + a + `"],"securityData":{"SelfSignedSSL":{"dname":"CN=svc"}}}}`
	if r := testkit.Do(t, http.MethodPost, base, alice, []byte(body)); r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodPut, base+"/"+name+"/server/s1", alice, []byte(`{"server":{"host":"a.example"}}`)); r.Status != http.StatusOK {
		t.Fatalf("owner heartbeat: %d %s", r.Status, r.Body)
	}
	expect := func(who, method, path, tok string, status int, body string) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		if r := testkit.Do(t, method, base+"/"+name+path, tok, b); r.Status != status {
			t.Errorf("%s: %s %s: status %d, want %d; body %s", who, method, path, r.Status, status, r.Body)
		}
	}
	for _, c := range []struct{ who, tok string }{
		{"A's tenant admin", reg.Token(t, "tom", a, "admin")},
		{"B's tenant admin", reg.Token(t, "mallory", b, "admin")},
	} {
		expect(c.who, http.MethodPut, "/server/s2", c.tok, http.StatusForbidden, `{"server":{"host":"b.example"}}`)
		expect(c.who, http.MethodDelete, "/server/s1", c.tok, http.StatusForbidden, "")
		expect(c.who, http.MethodDelete, "", c.tok, http.StatusForbidden, "")
	}
	expect("A's owner", http.MethodGet, "/server/s1", alice, http.StatusOK, "")

	platform := reg.Token(t, "root", p, "platform-admin")
	expect("platform admin", http.MethodPut, "/server/s3", platform, http.StatusOK, `{"server":{"host":"c.example"}}`)
	expect("platform admin", http.MethodDelete, "/server/s3", platform, http.StatusNoContent, "")
	expect("platform admin outside A's group", http.MethodDelete, "", platform, http.StatusForbidden, "")
	inA := reg.OIDC.Token(t, "root2@"+p, []string{p, a}, "platform-admin")
	expect("platform admin in A's group", http.MethodDelete, "", inA, http.StatusNoContent, "")
	expect("A's owner after the delete", http.MethodGet, "", alice, http.StatusNotFound, "")
}
