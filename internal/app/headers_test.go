package app_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// Seed 003: every response carries the API's Content-Security-Policy —
// answers, problems, probes, metrics, the OpenAPI document and /token.
func TestEveryResponseCarriesTheContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService)
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	token := url.Values{"service": {"registry"}, "scope": {"repository:" + tenant + "/app:pull"}}.Encode()
	for _, step := range []struct {
		method, path, token string
		want                int
	}{
		{http.MethodGet, "/registry-api/image-pull/secrets", alice, http.StatusOK},
		{http.MethodGet, "/registry-api/image-pull/secret/missing", alice, http.StatusNotFound},
		{http.MethodGet, "/registry-api/image-pull/secrets", "", http.StatusUnauthorized},
		{http.MethodPut, "/registry-api/image-pull/secrets", alice, http.StatusMethodNotAllowed},
		{http.MethodGet, "/healthz", "", http.StatusOK},
		{http.MethodGet, "/metrics", "", http.StatusOK},
		{http.MethodGet, "/token?" + token, alice, http.StatusOK},
		{http.MethodGet, "/token", "", http.StatusBadRequest},
		{http.MethodGet, "/no/such/route", "", http.StatusNotFound},
	} {
		r := testkit.Do(t, step.method, reg.URL+step.path, step.token, nil)
		if r.Status != step.want {
			t.Errorf("%s %s: %d, want %d (%s)", step.method, step.path, r.Status, step.want, r.Body)
		}
		if got := r.Header.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
			t.Errorf("%s %s: Content-Security-Policy %q", step.method, step.path, got)
		}
	}
}
