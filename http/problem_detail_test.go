package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// Problem details name a resource as the client named it: never a storage
// path ("image-pull/tenant-a/…", "hypo/data/…"), a derived storage key or a
// backend. Conflicts and misses are provoked on every resource kind, on
// both deployments.
func TestProblemDetailsNameNoStoragePath(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tenant := reg.Tenant(t)
		tok := reg.Token(t, "alice", tenant, "developer")
		api := reg.URL + "/registry-api"
		cred := `{"username":"u","password":"p"}`
		pr := enc("https://charts.example.com/team/charts")
		for _, create := range []string{"/image-pull/secret/taken", "/package-registry/secret/" + pr, "/fabric/secret/ctrl-1"} {
			if r := testkit.Do(t, http.MethodPost, api+create, tok, []byte(cred)); r.Status != http.StatusCreated {
				t.Fatalf("create %s: %d %s", create, r.Status, r.Body)
			}
		}
		// The tenant's own policy and group, which a tenant admin manages;
		// provisioned with Vault, made here when embedded.
		admin := reg.Token(t, "root", tenant, "admin")
		policy := tenant + "_policy"
		rules := `{"rules":` + jsonStr(`path "hypo/data/image-pull/`+tenant+`/*" { capabilities = ["read"] }`) + `}`
		for _, create := range []struct{ path, body string }{
			{"/policy/" + policy, rules},
			{"/group/", `{"name":"` + tenant + `","policies":["` + policy + `"]}`},
		} {
			if r := testkit.Do(t, http.MethodPost, api+create.path, admin, []byte(create.body)); r.Status != http.StatusCreated && r.Status != http.StatusConflict {
				t.Fatalf("create %s: %d %s", create.path, r.Status, r.Body)
			}
		}
		for _, tc := range []struct {
			name, method, path, body string
			status                   int
			names                    string // the name the detail should give
			token                    string // "" is alice's
		}{
			{"policy create conflict", http.MethodPost, "/policy/" + policy, rules, http.StatusConflict, policy, admin},
			{"group create conflict", http.MethodPost, "/group/", `{"name":"` + tenant + `"}`, http.StatusConflict, tenant, admin},
			{"image-pull create conflict", http.MethodPost, "/image-pull/secret/taken", cred, http.StatusConflict, "taken", ""},
			{"image-pull read miss", http.MethodGet, "/image-pull/secret/missing", "", http.StatusNotFound, "missing", ""},
			{"image-pull update miss", http.MethodPatch, "/image-pull/secret/missing", `{"password":"x"}`, http.StatusNotFound, "missing", ""},
			{"image-pull delete miss", http.MethodDelete, "/image-pull/secret/missing", "", http.StatusNotFound, "missing", ""},
			{"package-registry create conflict", http.MethodPost, "/package-registry/secret/" + pr, cred, http.StatusConflict, "charts.example.com/team/charts", ""},
			{"package-registry same key conflict", http.MethodPost, "/package-registry/secret/" + enc("charts.example.com/team/charts/"), cred, http.StatusConflict, "charts.example.com/team/charts", ""},
			{"package-registry read miss", http.MethodGet, "/package-registry/secret/" + enc("https://charts.example.com/none"), "", http.StatusNotFound, "charts.example.com/none", ""},
			{"package-registry update miss", http.MethodPatch, "/package-registry/secret/" + enc("charts.example.com/none"), `{"password":"x"}`, http.StatusNotFound, "charts.example.com/none", ""},
			{"fabric create conflict", http.MethodPost, "/fabric/secret/ctrl-1", cred, http.StatusConflict, "ctrl-1", ""},
			{"fabric read miss", http.MethodGet, "/fabric/secret/ctrl-2", "", http.StatusNotFound, "ctrl-2", ""},
			{"fabric delete miss", http.MethodDelete, "/fabric/secret/ctrl-2", "", http.StatusNotFound, "ctrl-2", ""},
			{"kubeconfig miss", http.MethodGet, "/kube-conf/token/svc-none/pod-1", "", http.StatusNotFound, "svc-none", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var body []byte
				if tc.body != "" {
					body = []byte(tc.body)
				}
				caller := tok
				if tc.token != "" {
					caller = tc.token
				}
				r := testkit.Do(t, tc.method, api+tc.path, caller, body)
				assertProblem(t, r, tc.status)
				var p struct{ Detail string }
				r.JSON(t, &p)
				for _, leak := range []string{"/" + tenant + "/", "image-pull/", "package-registry/", "fabric-secret/", "kubernetes-config/",
					"hypo/", "~", "boltstore", "vaultstore", "identitystore", "vaultidentity", "identity/", "vault ", "Vault", "bbolt"} {
					if strings.Contains(p.Detail, leak) {
						t.Errorf("detail %q carries %q", p.Detail, leak)
					}
				}
				if !strings.Contains(p.Detail, tc.names) {
					t.Errorf("detail %q does not name %q", p.Detail, tc.names)
				}
			})
		}
	})
}
