package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/schemas"
	"github.com/hypo-registry/registry/testkit"
)

// The route table is read from a Server of its own: walking needs no
// request, so its bus and verifier are never called.
type refusingBus struct{}

func (refusingBus) Send(context.Context, any, bus.Envelope) (bus.Reply, error) {
	return bus.Reply{}, errors.New("not wired: route walk only")
}

type refusingVerifier struct{}

func (refusingVerifier) Verify(context.Context, string) (auth.Principal, error) {
	return auth.Principal{}, handlers.ErrUnauthenticated
}

func routeTableServer(t *testing.T) *rest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	srv, err := rest.New(rest.Deps{
		Bus: refusingBus{}, Queries: refusingBus{}, Verifier: refusingVerifier{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LogLevel: new(slog.LevelVar),
		Metrics: reg, Gatherer: reg,
	})
	if err != nil {
		t.Fatalf("rest.New: %v", err)
	}
	// registryd mounts the terminal tokens' JWKS, the virtual-host
	// registry and, with the token service on, /token and its JWKS beside
	// the routes of New.
	srv.MountTerminalJWKS(staticKeys(`{"keys":[]}`))
	srv.MountRoleMappings(nil)
	srv.MountRegistryTokenRevocation(true, nil)
	srv.MountRegistryToken(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("the route walk called the token service")
	}), staticKeys(`{"keys":[]}`))
	if err := srv.MountVirtualHosts(rest.VirtualHostDeps{Queries: unusedQueries{}}); err != nil {
		t.Fatalf("MountVirtualHosts: %v", err)
	}
	return srv
}

// unusedQueries stands in for the virtual-host projection: the walk sends
// no request, so none of its methods is ever called.
type unusedQueries struct{ rest.VirtualHostQueries }

type staticKeys []byte

func (k staticKeys) JWKS() []byte { return k }

var templateVariable = regexp.MustCompile(`\{[^}]*\}`)

// normalise blanks variable names (and any mux pattern), so "{name}" and
// "{controllerId}" compare by position only.
func normaliseTemplate(template string) string {
	return templateVariable.ReplaceAllString(template, "{}")
}

// routedOperations lists "METHOD /template" for every handler of the router.
func routedOperations(t *testing.T, r *mux.Router) []string {
	t.Helper()
	var ops []string
	err := r.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if route.GetHandler() == nil {
			return nil // a PathPrefix subrouter, not an endpoint
		}
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return err
		}
		methods, err := route.GetMethods()
		if err != nil {
			t.Errorf("route %s answers every method: the document cannot describe it", tpl)
			return nil
		}
		for _, m := range methods {
			ops = append(ops, m+" "+tpl)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return ops
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"schemas"`
		Responses map[string]openAPIResponse `json:"responses"`
	} `json:"components"`
}

// contentTypes lists the media types doc declares for op's response to
// status, following a $ref.
func (doc openAPIDoc) contentTypes(op openAPIOperation, status int) []string {
	resp := op.Responses[strconv.Itoa(status)]
	if name, ok := strings.CutPrefix(resp.Ref, "#/components/responses/"); ok {
		resp = doc.Components.Responses[name]
	}
	return slices.Sorted(maps.Keys(resp.Content))
}

type openAPIOperation struct {
	Security   *[]map[string][]string     `json:"security"`
	Parameters []openAPIParameter         `json:"parameters"`
	Responses  map[string]openAPIResponse `json:"responses"`
}

// openAPIParameter is a parameter written in the operation (a $ref to
// components.parameters leaves In empty).
type openAPIParameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
	Example  any    `json:"example"`
}

// requiredQuery is the query of op's required query parameters, each set
// to its example: what a request must carry to be read at all.
func (op openAPIOperation) requiredQuery(t *testing.T, key string) string {
	t.Helper()
	q := url.Values{}
	for _, p := range op.Parameters {
		if p.In != "query" || !p.Required {
			continue
		}
		v, ok := p.Example.(string)
		if !ok {
			t.Errorf("%s: required query parameter %s has no string example", key, p.Name)
		}
		q.Set(p.Name, v)
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// openAPIResponse is a response or a $ref to one of components.responses.
type openAPIResponse struct {
	Ref     string                     `json:"$ref"`
	Content map[string]json.RawMessage `json:"content"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(schemas.OpenAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	return doc
}

var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// documentedOperations lists "METHOD /template" for every operation of doc.
func documentedOperations(doc openAPIDoc) map[string]openAPIOperation {
	ops := map[string]openAPIOperation{}
	for path, item := range doc.Paths {
		for _, m := range openAPIMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op openAPIOperation
			_ = json.Unmarshal(raw, &op)
			ops[strings.ToUpper(m)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPICoversEveryRoute: the document and the router describe the
// same set of operations, both ways.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	routed := map[string]string{}
	for _, op := range routedOperations(t, routeTableServer(t).Router()) {
		routed[normaliseTemplate(op)] = op
	}
	documented := map[string]string{}
	for op := range documentedOperations(loadOpenAPI(t)) {
		if other, dup := documented[normaliseTemplate(op)]; dup {
			t.Errorf("%s and %s are the same route", op, other)
		}
		documented[normaliseTemplate(op)] = op
	}
	if len(routed) == 0 {
		t.Fatal("the router has no routes: the walk is broken")
	}
	for _, key := range slices.Sorted(maps.Keys(routed)) {
		if _, ok := documented[key]; !ok {
			t.Errorf("routed but not in openapi.json: %s", routed[key])
		}
	}
	for _, key := range slices.Sorted(maps.Keys(documented)) {
		if _, ok := routed[key]; !ok {
			t.Errorf("in openapi.json but not routed: %s", documented[key])
		}
	}
}

// openOperations are the operations the document marks security: [] and
// the router serves without a token. Everything else needs the bearer (GET
// /token: Basic or Bearer).
var openOperations = []string{
	"GET /healthz", "GET /readyz", "GET /metrics",
	"GET /registry-api/openapi.json", "GET /registry-api/kube-conf/jwks.json",
	"GET /registry/v1/status", "POST /token", "GET /token/jwks.json",
}

// formCredentials are the open operations whose credentials travel in the
// form they post (POST /token: grant_type password or refresh_token), never
// in a header: without a form they are malformed, 400, never 401.
var formCredentials = []string{"POST /token"}

// withTokenService turns the registry token service on (GET/POST /token),
// serving the service "registry".
func withTokenService(c *app.Config) {
	c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{AllowedServices: []string{"registry"}})
}

// TestOpenAPISecurityMatchesServer calls every documented operation without
// a token on a running registry with every optional route on (the token
// service): the operations the document leaves open answer, every other
// one is 401 before anything runs, in the error body the document declares
// for it (problem details; seed 004's under /registry/v1; the distribution
// registry's on /token).
func TestOpenAPISecurityMatchesServer(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security = %v, want bearerAuth", doc.Security)
	}
	reg := testkit.StartRegistry(t, withTokenService)
	ops := documentedOperations(doc)
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		op := ops[key]
		open := op.Security != nil && len(*op.Security) == 0
		if open != slices.Contains(openOperations, key) {
			t.Errorf("%s: unauthenticated in the document = %v, want %v", key, open, !open)
		}
		method, path, _ := strings.Cut(key, " ")
		r := testkit.Do(t, method, reg.URL+templateVariable.ReplaceAllString(path, "x")+op.requiredQuery(t, key), "", nil)
		switch {
		case slices.Contains(formCredentials, key):
			ct := r.Header.Get("Content-Type")
			if want := doc.contentTypes(op, http.StatusBadRequest); r.Status != http.StatusBadRequest || !slices.Equal(want, []string{ct}) {
				t.Errorf("%s without a form: status %d (%s), want 400 (%v)", key, r.Status, ct, want)
			}
		case open && r.Status != http.StatusOK:
			t.Errorf("%s without a token: status %d, want 200", key, r.Status)
		case !open && r.Status != http.StatusUnauthorized:
			t.Errorf("%s without a token: status %d, want 401", key, r.Status)
		case !open && r.Header.Get("WWW-Authenticate") == "":
			t.Errorf("%s: 401 without WWW-Authenticate", key)
		case !open:
			ct := r.Header.Get("Content-Type")
			if want := doc.contentTypes(op, http.StatusUnauthorized); !slices.Equal(want, []string{ct}) {
				t.Errorf("%s: 401 is %s, the document says %v", key, ct, want)
			}
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/openapi.json", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if !bytes.Equal(r.Body, schemas.OpenAPI) {
		t.Error("served document differs from schemas.OpenAPI")
	}
	// A token is not needed, and one that is bad does not make it 401.
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/openapi.json", "not-a-jwt", nil); r.Status != http.StatusOK {
		t.Errorf("with a bad token: status %d", r.Status)
	}
	// Only GET is served.
	if r := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/openapi.json", "", []byte(`{}`)); r.Status < 400 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("POST: status %d (%s), want a problem", r.Status, r.Header.Get("Content-Type"))
	}
}
