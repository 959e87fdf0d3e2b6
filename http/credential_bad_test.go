package rest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

type badRequest struct {
	name, path, body, detail string
}

// assertBadRequests posts each request and wants 400 problem details naming
// the problem, and nothing stored under the path.
func assertBadRequests(t *testing.T, reg *testkit.Registry, tok string, cases []badRequest) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testkit.Do(t, http.MethodPost, reg.URL+tc.path, tok, []byte(tc.body))
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type = %q, want application/problem+json", ct)
			}
			var p struct {
				Type, Title, Detail string
				Status              int
			}
			r.JSON(t, &p)
			if p.Status != 400 || p.Type == "" || p.Title == "" || !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("problem = %+v, want status 400 and detail containing %q", p, tc.detail)
			}
			if got := testkit.Do(t, http.MethodGet, reg.URL+tc.path, tok, nil); got.Status != http.StatusNotFound && got.Status != http.StatusBadRequest {
				t.Errorf("a refused request stored something: GET status %d", got.Status)
			}
		})
	}
}

func TestPackageRegistryBadRequests(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
		p := "/registry-api/package-registry/secret/"
		ok := seedPackageRegistryBody
		assertBadRequests(t, reg, tok, []badRequest{
			{"missing password", p + "h1", `{"username":"u"}`, "password is required"},
			{"wrong type", p + "h2", `{"username":"u","password":42}`, `"password" must be a string`},
			{"unknown field", p + "h3", `{"username":"u","password":"p","name":"x"}`, `unknown field "name"`},
			{"not JSON", p + "h4", `username=u`, "not valid JSON"},
			{"empty", p + "h5", ``, "body is empty"},
			{"url with credentials", p + "h6", `{"username":"u","password":"p","url":"https://u:p@h"}`, "must not embed credentials"},
			{"dot-dot name", p + "%2e%2e", ok, "host may not be"},
			{"dot-dot segment", p + enc("charts.example.com/../x"), ok, `".." path segments`},
			{"encoded dot-dot", p + "h%2F%252e%252e%2Fx", ok, `".." path segments`},
			{"credentials in the name", p + enc("https://u:p@charts.example.com"), ok, "must not embed credentials"},
			{"other scheme", p + enc("ftp://charts.example.com"), ok, "http, https or oci"},
			{"query", p + enc("charts.example.com/x?y=1"), ok, "query"},
			{"space", p + "a%20b", ok, "space"},
			{"bad port", p + enc("charts.example.com:99999"), ok, "port"},
			{"too long", p + enc("h/"+strings.Repeat("~", 100)), ok, "too long"},
		})
	})
}

func TestFabricBadRequests(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
		p := "/registry-api/fabric/secret/"
		assertBadRequests(t, reg, tok, []badRequest{
			{"url is not a field", p + "c1", `{"username":"u","password":"p","url":"https://x"}`, `unknown field "url"`},
			{"missing username", p + "c2", `{"password":"p"}`, "username is required"},
			{"missing password", p + "c3", `{"username":"u"}`, "password is required"},
			{"wrong type", p + "c4", `{"username":["u"],"password":"p"}`, `"username" must be a string`},
			{"array", p + "c5", `[]`, "must be a JSON object"},
			{"two objects", p + "c6", `{"username":"u","password":"p"}{}`, "single JSON object"},
			{"slash in id", p + "a%2Fb", fabricBody, "single path segment"},
			{"dot-dot id", p + "%2e%2e", fabricBody, `".."`},
			{"reserved character", p + "a%2Ab", fabricBody, "reserved character"},
		})
	})
}
