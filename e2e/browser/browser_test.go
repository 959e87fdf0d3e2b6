package browser_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/testkit"
)

// fetchResult is scenarios/api.mjs's report of one fetch() in the page.
type fetchResult struct {
	Status int             `json:"status"`
	JSON   json.RawMessage `json:"json"`
	CSP    string          `json:"csp"`
	Error  string          `json:"error"`
}

// TestAPIInChromium checks in a real browser what an HTTP client cannot:
// that Chromium applies the API's Content-Security-Policy (no fetch from
// an API document, no API answer rendered in a frame, even of its own
// origin), that a page of another origin cannot read the API with a
// token (no CORS), and that a page of the registry's origin can, seeing
// only its own tenant.
func TestAPIInChromium(t *testing.T) {
	r := testkit.StartRegistry(t)
	api := r.URL + "/registry-api"
	tenant, other := r.Tenant(t), r.Tenant(t)
	token := r.Token(t, "alice", tenant, "developer")
	const name = "browser-pull"
	if resp := testkit.Do(t, http.MethodPost, api+"/image-pull/secret/"+name, token,
		[]byte(`{"username":"browser-user","password":"browser-password","url":"https://registry.example.com"}`)); resp.Status != http.StatusCreated {
		t.Fatalf("create secret: %d %s", resp.Status, resp.Body)
	}

	res := run(t, "api", map[string]string{
		"REGISTRY_URL":   r.URL,
		"REGISTRY_TOKEN": token,
		"OTHER_TOKEN":    r.Token(t, "bob", other, "developer"),
		"SECRET_NAME":    name,
	})
	t.Logf("Chromium %s, %d ms, screenshots %v", res.Browser, res.DurationMS, res.Screenshots)

	t.Run("every registry response carries the CSP", func(t *testing.T) {
		seen := 0
		for _, resp := range res.Responses {
			if !strings.HasPrefix(resp.URL, r.URL+"/") || strings.Contains(resp.URL, "/__browser-harness__/") {
				continue
			}
			seen++
			if got := resp.Headers["content-security-policy"]; got != respond.ContentSecurityPolicy {
				t.Errorf("%s %s (%d): Content-Security-Policy %q, want %q", resp.Method, resp.URL, resp.Status, got, respond.ContentSecurityPolicy)
			}
		}
		// openapi.json as a page and in three frames, the 401, three fetches.
		if seen < 8 {
			t.Errorf("the browser saw %d registry responses, want at least 8: %+v", seen, res.Responses)
		}
		var doc struct {
			Status  int    `json:"status"`
			Version string `json:"version"`
		}
		res.fact(t, "openapi", &doc)
		if doc.Status != http.StatusOK || !strings.HasPrefix(doc.Version, "3.") {
			t.Errorf("openapi.json in the browser: %+v", doc)
		}
		var refused struct {
			Status int `json:"status"`
		}
		if res.fact(t, "unauthenticated", &refused); refused.Status != http.StatusUnauthorized {
			t.Errorf("a read without a token: %d, want 401", refused.Status)
		}
	})

	t.Run("a script in an API document cannot connect", func(t *testing.T) {
		var f fetchResult
		if res.fact(t, "fetchInsideAPIDocument", &f); f.Error == "" {
			t.Errorf("fetch from the OpenAPI document answered %d, want refused by the CSP", f.Status)
		}
		if !res.consoleHas("Content Security Policy", "default-src 'none'") {
			t.Errorf("Chromium reported no CSP refusal: %+v", res.Console)
		}
	})

	t.Run("a page of the registry's origin reads its own tenant only", func(t *testing.T) {
		var got struct{ Secret, List, OtherTenantList fetchResult }
		res.fact(t, "sameOrigin", &got)
		var secret struct{ Name, Username, Password string }
		if err := json.Unmarshal(got.Secret.JSON, &secret); err != nil || got.Secret.Status != http.StatusOK ||
			secret.Name != name || secret.Username != "browser-user" || secret.Password != "browser-password" {
			t.Errorf("GET the secret from the page: %d %s (%v)", got.Secret.Status, got.Secret.JSON, err)
		}
		if names := names(t, got.List); got.List.Status != http.StatusOK || !slices.Equal(names, []string{name}) {
			t.Errorf("list from the page: %d %v", got.List.Status, names)
		}
		if names := names(t, got.OtherTenantList); got.OtherTenantList.Status != http.StatusOK || len(names) != 0 {
			t.Errorf("another tenant's list from the page: %d %v, want 200 and none", got.OtherTenantList.Status, names)
		}
	})

	t.Run("another origin cannot read the API with a token", func(t *testing.T) {
		var f fetchResult
		if res.fact(t, "crossOrigin", &f); f.Error == "" {
			t.Errorf("a cross-origin fetch with a bearer token answered %d %s, want refused", f.Status, f.JSON)
		}
		if !res.consoleHas("blocked by CORS policy", "No 'Access-Control-Allow-Origin' header") {
			t.Errorf("Chromium reported no CORS refusal: %+v", res.Console)
		}
	})

	t.Run("no frame renders an API answer", func(t *testing.T) {
		type framed struct {
			Src, URL string
			Rendered bool
			Text     *string
		}
		var frames map[string]struct{ API, Control framed }
		res.fact(t, "frames", &frames)
		for _, parent := range []string{"sameOrigin", "crossOrigin"} {
			f, ok := frames[parent]
			if !ok {
				t.Fatalf("no frames from the %s page: %+v", parent, frames)
			}
			if f.API.Rendered || f.API.Text != nil && strings.Contains(*f.API.Text, "openapi") {
				t.Errorf("%s page: the API rendered in a frame: %+v", parent, f.API)
			}
			if !f.Control.Rendered || f.Control.Text == nil || *f.Control.Text != "control frame rendered" {
				t.Errorf("%s page: the control frame did not render: %+v", parent, f.Control)
			}
		}
		if !res.consoleHas("violates the following Content Security Policy directive", "frame-ancestors 'none'") {
			t.Errorf("Chromium reported no frame-ancestors refusal: %+v", res.Console)
		}
	})
}

// names decodes a list answer.
func names(t *testing.T, f fetchResult) []string {
	t.Helper()
	var names []string
	if err := json.Unmarshal(f.JSON, &names); err != nil {
		t.Errorf("list answer %d %s: %v", f.Status, f.JSON, err)
	}
	return names
}
