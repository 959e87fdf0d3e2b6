package rest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/schemas"
	"github.com/hypo-registry/registry/testkit"
)

// TestRegistryTokenAsDocumented: /token, a route of the REST router,
// answers as the OpenAPI document says (every body valid against the
// document's schema, in the content type it declares) and is counted in
// registry_http_* under its route template, once per request.
func TestRegistryTokenAsDocumented(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, withTokenService)
	tenant := reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+alice))
	scope := "repository:" + tenant + "/app:pull"
	tokenSchema, errorSchema := documentSchema(t, "RegistryToken"), documentSchema(t, "RegistryTokenError")

	// check answers r as the document says for status; it returns the
	// token answer, or nothing once it checked the refusal's reason.
	check := func(name string, r testkit.Response, status int, reason string) (token registrytoken.TokenResponse) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s: status %d, want %d (%s)", name, r.Status, status, r.Body)
			return token
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", name, ct)
		}
		schema := errorSchema
		if status == http.StatusOK {
			schema = tokenSchema
		}
		body, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatalf("%s: %v: %s", name, err, r.Body)
		}
		if err := schema.Validate(body); err != nil {
			t.Errorf("%s: the body does not match the document: %v\n%s", name, err, r.Body)
		}
		if status == http.StatusOK {
			r.JSON(t, &token)
			return token
		}
		var e struct {
			Errors []struct {
				Detail struct{ Reason string }
			}
		}
		r.JSON(t, &e)
		if len(e.Errors) != 1 || e.Errors[0].Detail.Reason != reason {
			t.Errorf("%s: %s, want reason %q", name, r.Body, reason)
		}
		return token
	}
	get := func(query string, authorization ...string) testkit.Response {
		t.Helper()
		var headers []string
		if len(authorization) > 0 {
			headers = []string{"Authorization", authorization[0]}
		}
		return testkit.Do(t, http.MethodGet, reg.URL+"/token?"+query, "", nil, headers...)
	}
	post := func(form url.Values, authorization ...string) testkit.Response {
		t.Helper()
		headers := []string{"Content-Type", "application/x-www-form-urlencoded"}
		if len(authorization) > 0 {
			headers = append(headers, "Authorization", authorization[0])
		}
		return testkit.Do(t, http.MethodPost, reg.URL+"/token", "", []byte(form.Encode()), headers...)
	}

	offline := check("GET, Basic, offline", get("service=registry&offline_token=true&scope="+scope, basic), http.StatusOK, "")
	if offline.RefreshToken == "" {
		t.Fatal("GET offline_token=true: no refresh token")
	}
	check("GET, Bearer", get("service=registry&scope="+scope, "Bearer "+alice), http.StatusOK, "")
	r := get("service=registry")
	check("GET without credentials", r, http.StatusUnauthorized, registrytoken.ReasonUnauthenticated)
	if c := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(c, `Basic realm="`) {
		t.Errorf("401: WWW-Authenticate %q, want the Basic challenge the document declares", c)
	}
	check("GET without service", get("scope="+scope, basic), http.StatusBadRequest, registrytoken.ReasonInvalidRequest)
	check("GET with a bad scope", get("service=registry&scope=repository:UPPER:pull", basic), http.StatusBadRequest, registrytoken.ReasonInvalidScope)
	// The facade's URL check leaves /token to the token service: the
	// refusal is in the token service's error body, not problem details.
	check("GET with invalid UTF-8", get("service=registry&client_id=ab%FFcd", basic), http.StatusBadRequest, registrytoken.ReasonInvalidRequest)
	check("GET for another service", get("service=elsewhere&scope="+scope, basic), http.StatusForbidden, registrytoken.ReasonServiceNotAllowed)

	check("POST password", post(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alice}, "service": {"registry"}, "scope": {scope}}),
		http.StatusOK, "")
	// POST's credentials are the form's: a header neither spoils nor
	// replaces them.
	check("POST refresh_token, a bad header", post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {offline.RefreshToken}, "service": {"registry"}}, "Bearer not-a-jwt"),
		http.StatusOK, "")
	check("POST unknown refresh_token, a good header", post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"unknown"}, "service": {"registry"}}, "Bearer "+alice),
		http.StatusUnauthorized, registrytoken.ReasonInvalidRefreshToken)
	check("POST client_credentials", post(url.Values{"grant_type": {"client_credentials"}, "service": {"registry"}}), http.StatusBadRequest, registrytoken.ReasonUnsupportedGrant)
	check("POST with a query", testkit.Do(t, http.MethodPost, reg.URL+"/token?service=registry", "", []byte("grant_type=password"), "Content-Type", "application/x-www-form-urlencoded"),
		http.StatusBadRequest, registrytoken.ReasonInvalidRequest)

	// Another method: the token service's own 405 (no route took it, so it
	// is not counted, as on every route).
	r = testkit.Do(t, http.MethodPut, reg.URL+"/token", "", nil)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, POST" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("PUT /token: %d, Allow %q, %s", r.Status, r.Header.Get("Allow"), r.Header.Get("Content-Type"))
	}

	requests := scrape(t, reg.URL, "registry_http_requests_total")
	for _, want := range []struct {
		method string
		code   int
		n      float64
	}{
		{http.MethodGet, 200, 2}, {http.MethodGet, 401, 1}, {http.MethodGet, 400, 3}, {http.MethodGet, 403, 1},
		{http.MethodPost, 200, 2}, {http.MethodPost, 401, 1}, {http.MethodPost, 400, 2},
	} {
		labels := map[string]string{"route": "/token", "method": want.method, "code": strconv.Itoa(want.code)}
		if got := requests.sum(labels); got != want.n {
			t.Errorf("registry_http_requests_total%v = %v, want %v", labels, got, want.n)
		}
	}
	if got := requests.sum(map[string]string{"route": "/token"}); got != 12 {
		t.Errorf("registry_http_requests_total{route=/token} = %v, want 12: one per routed request", got)
	}
	durations := scrape(t, reg.URL, "registry_http_request_duration_seconds_count")
	for method, n := range map[string]float64{http.MethodGet: 7, http.MethodPost: 5} {
		if got := durations.sum(map[string]string{"route": "/token", "method": method}); got != n {
			t.Errorf("registry_http_request_duration_seconds_count{route=/token,method=%s} = %v, want %v", method, got, n)
		}
	}
}

// TestOpenAPITokenReasons: the document's reasons are the token service's.
func TestOpenAPITokenReasons(t *testing.T) {
	t.Parallel()
	var doc struct {
		Components struct {
			Schemas struct {
				RegistryTokenError struct {
					Properties struct {
						Errors struct {
							Items struct {
								Properties struct {
									Detail struct {
										Properties struct {
											Reason struct {
												Enum []string `json:"enum"`
											} `json:"reason"`
										} `json:"properties"`
									} `json:"detail"`
								} `json:"properties"`
							} `json:"items"`
						} `json:"errors"`
					} `json:"properties"`
				}
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(schemas.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Components.Schemas.RegistryTokenError.Properties.Errors.Items.Properties.Detail.Properties.Reason.Enum
	if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(registrytoken.Reasons))) {
		t.Errorf("RegistryTokenError reasons %v, the token service's %v", got, registrytoken.Reasons)
	}
}

// documentSchema compiles components.schemas.name of the OpenAPI document
// (an OpenAPI 3.1 schema is a JSON Schema 2020-12).
func documentSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.OpenAPI))
	if err != nil {
		t.Fatal(err)
	}
	const loc = "https://hypo-registry.dev/openapi.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(loc, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(loc + "#/components/schemas/" + name)
	if err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return s
}

// samples are the series of one metric as /metrics exposes them.
type samples []struct {
	labels map[string]string
	value  float64
}

// sum adds the values of the series that carry every one of labels.
func (s samples) sum(labels map[string]string) float64 {
	var total float64
	for _, series := range s {
		if matches(series.labels, labels) {
			total += series.value
		}
	}
	return total
}

func matches(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// scrape reads the series of metric name from base's /metrics, in the
// Prometheus text format.
func scrape(t *testing.T, base, name string) samples {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, base+"/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	var out samples
	for line := range strings.Lines(string(r.Body)) {
		m := sampleLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || m[1] != name {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		labels := map[string]string{}
		for _, p := range labelPair.FindAllStringSubmatch(m[2], -1) {
			labels[p[1]] = p[2]
		}
		out = append(out, struct {
			labels map[string]string
			value  float64
		}{labels, v})
	}
	if len(out) == 0 {
		t.Fatalf("/metrics has no %s", name)
	}
	return out
}
