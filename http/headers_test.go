package rest_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// Every entry point answers data and refusals alike with no-store and its
// own media type; only routes of public or no tenant data say otherwise.
// One sample per kind of answer: REST data and problems, /registry/v1 data,
// text and errors, /token's token and refusal, the operational endpoints.
func TestResponseHeadersOnEveryEntryPoint(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{}) })
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	api, vh := reg.URL+"/registry-api", reg.URL+"/registry/v1"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+alice))

	if r := testkit.Do(t, http.MethodPost, api+"/image-pull/secret/headers", alice, []byte(seedImagePullBody)); r.Status != http.StatusCreated {
		t.Fatalf("create a secret: %d %s", r.Status, r.Body)
	}
	if r := testkit.Do(t, http.MethodPost, vh+"/virtualHost", alice, []byte(`{"name":"headers.example.com","scheme":"http","port":8080,"serverTimeoutSecs":60}`)); r.Status != http.StatusOK {
		t.Fatalf("create a virtual host: %d %s", r.Status, r.Body)
	}

	const noStore, none = "no-store", ""
	for _, tc := range []struct {
		name, method, url, token string
		headers                  []string
		status                   int
		contentType              string
		cacheControl             string
		nosniff                  bool
		extra                    map[string]string // further headers and their values
	}{
		{"REST secret", http.MethodGet, api + "/image-pull/secret/headers", alice, nil, 200, "application/json", noStore, true, nil},
		{"REST problem", http.MethodGet, api + "/image-pull/secret/missing", alice, nil, 404, "application/problem+json", noStore, true, nil},
		{"REST unauthenticated", http.MethodGet, api + "/image-pull/secrets", "", nil, 401, "application/problem+json", noStore, true,
			map[string]string{"WWW-Authenticate": `Bearer realm="registry-api"`}},
		{"REST unknown route", http.MethodGet, api + "/nothing-here", "", nil, 404, "application/problem+json", noStore, true, nil},
		{"REST bad URL", http.MethodGet, api + "/image-pull/secret/a%FFb", alice, nil, 400, "application/problem+json", noStore, true, nil},
		{"headers too large", http.MethodGet, reg.URL + "/healthz", "", []string{"X-Big", strings.Repeat("a", 70<<10)}, 431, "application/problem+json", noStore, true, nil},
		{"virtual host", http.MethodGet, vh + "/virtualHost/headers.example.com", alice, nil, 200, "application/json", noStore, true, nil},
		{"virtual host list", http.MethodGet, vh + "/virtualHost", alice, nil, 200, "application/json", noStore, true, nil},
		{"virtual host error", http.MethodGet, vh + "/virtualHost/missing.example.com", alice, nil, 404, "application/json", noStore, true, nil},
		{"virtual host unauthenticated", http.MethodGet, vh + "/virtualHost", "", nil, 401, "application/json", noStore, true,
			map[string]string{"WWW-Authenticate": `Bearer realm="registry"`}},
		{"virtual host status", http.MethodGet, vh + "/status", "", nil, 200, "text/plain; charset=utf-8", noStore, true, nil},
		{"token", http.MethodGet, reg.URL + "/token?service=registry&scope=repository:" + tenant + "/app:pull", "", []string{"Authorization", basic}, 200, "application/json", noStore, true,
			map[string]string{"Pragma": "no-cache"}},
		{"token refused", http.MethodGet, reg.URL + "/token?service=registry", "", nil, 401, "application/json", noStore, true, nil},
		{"readiness", http.MethodGet, reg.URL + "/readyz", "", nil, 200, "application/json", noStore, true, nil},
		{"health", http.MethodGet, reg.URL + "/healthz", "", nil, 200, "text/plain; charset=utf-8", none, false, nil},
		{"metrics", http.MethodGet, reg.URL + "/metrics", "", nil, 200, "", none, false, nil},
		{"OpenAPI", http.MethodGet, api + "/openapi.json", "", nil, 200, "application/json", "public, max-age=300", true, nil},
	} {
		r := testkit.Do(t, tc.method, tc.url, tc.token, nil, tc.headers...)
		if r.Status != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, r.Status, tc.status, r.Body)
			continue
		}
		if ct := r.Header.Get("Content-Type"); tc.contentType != "" && ct != tc.contentType {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, ct, tc.contentType)
		}
		if cc := r.Header.Values("Cache-Control"); strings.Join(cc, ", ") != tc.cacheControl {
			t.Errorf("%s: Cache-Control %q, want %q", tc.name, cc, tc.cacheControl)
		}
		if got := r.Header.Get("X-Content-Type-Options") == "nosniff"; got != tc.nosniff {
			t.Errorf("%s: nosniff %v, want %v", tc.name, got, tc.nosniff)
		}
		for h, want := range tc.extra {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s: %s %q, want %q", tc.name, h, got, want)
			}
		}
	}
}
