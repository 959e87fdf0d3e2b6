package registrytoken_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func basic(user, password string) func(*http.Request) {
	return func(r *http.Request) { r.SetBasicAuth(user, password) }
}

func bearer(tok string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

// verify checks an issued token the way a registry does: against the
// published JWKS, by kid, with iss and aud.
func verify(t *testing.T, s *stack, raw string) jwt.MapClaims {
	t.Helper()
	kf, err := keyfunc.NewJWKSetJSON(s.signer.JWKS())
	if err != nil {
		t.Fatalf("JWKS does not load: %v", err)
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, kf.Keyfunc, jwt.WithValidMethods([]string{"RS256"}),
		jwt.WithIssuer("https://token.example.com"), jwt.WithAudience(service), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("issued token does not verify against the JWKS: %v", err)
	}
	if tok.Header["kid"] != s.signer.KID() {
		t.Errorf("kid %v, want %s", tok.Header["kid"], s.signer.KID())
	}
	return claims
}

func decodeToken(t *testing.T, r response) registrytoken.TokenResponse {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" || r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", r.header)
	}
	var tr registrytoken.TokenResponse
	if err := json.Unmarshal(r.body, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Token == "" || tr.Token != tr.AccessToken || tr.ExpiresIn != 300 || tr.IssuedAt == "" {
		t.Errorf("response %s", r.body)
	}
	return tr
}

func TestTokenOverHTTP(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	jwtTeam := s.jwtFor(t, map[string]any{"stellaops:plan": "team", "stellaops:license": "lic-ok"})
	q := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull,push", "repository:library/alpine:pull,push"}}

	// Basic, as docker and crane send it: the password is the OIDC token.
	tr := decodeToken(t, s.get(t, q.Encode(), basic("alice", jwtTeam)))
	claims := verify(t, s, tr.Token)
	want := []any{
		map[string]any{"type": "repository", "name": "team-a/app", "actions": []any{"pull", "push"}},
		map[string]any{"type": "repository", "name": "library/alpine", "actions": []any{"pull"}},
	}
	if !reflect.DeepEqual(claims["access"], want) || claims["sub"] != "alice" || claims["aud"] != service {
		t.Errorf("claims %v", claims)
	}
	// Seed 001's token shape: the requested service, and the caller's
	// licence passed through.
	if claims["service"] != service || claims["stellaops:license"] != "lic-ok" {
		t.Errorf("service %v, stellaops:license %v; want %s and lic-ok", claims["service"], claims["stellaops:license"], service)
	}
	if tr.RefreshToken != "" {
		t.Error("a refresh token without offline_token")
	}

	// Bearer, and the catalogue scope with a host:port name beside it.
	q2 := url.Values{"service": {service}, "scope": {"registry:catalog:* repository:localhost:5000/team-a/app:pull"}}
	claims = verify(t, s, decodeToken(t, s.get(t, q2.Encode(), bearer(jwtTeam))).Token)
	want = []any{
		map[string]any{"type": "registry", "name": "catalog", "actions": []any{}},
		map[string]any{"type": "repository", "name": "localhost:5000/team-a/app", "actions": []any{}},
	}
	if !reflect.DeepEqual(claims["access"], want) {
		t.Errorf("access %v, want %v", claims["access"], want)
	}

	// docker login: offline_token, then the refresh_token grant by POST.
	login := url.Values{"service": {service}, "account": {"alice"}, "client_id": {"docker"}, "offline_token": {"true"}}
	tr = decodeToken(t, s.get(t, login.Encode(), basic("alice", jwtTeam)))
	if tr.RefreshToken == "" {
		t.Fatal("no refresh token for offline_token=true")
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tr.RefreshToken}, "service": {service},
		"client_id": {"docker"}, "scope": {"repository:team-a/app:push repository:team-a/lib:pull"}}
	refreshed := decodeToken(t, s.post(t, form.Encode()))
	claims = verify(t, s, refreshed.Token)
	if claims["sub"] != "alice" || len(claims["access"].([]any)) != 2 || refreshed.RefreshToken != "" {
		t.Errorf("refreshed claims %v, response %+v", claims, refreshed)
	}

	// The OAuth2 password grant, the JWT as password.
	pw := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {jwtTeam}, "service": {service}, "scope": {"repository:team-a/app:pull"}}
	verify(t, s, decodeToken(t, s.post(t, pw.Encode())).Token)

	// Five tokens, and the refresh grant committed before the token that
	// carries it.
	types, data, raw := s.tokenEvents(t)
	wantTypes := []string{events.RegistryTokenIssued, events.RegistryTokenIssued, events.RegistryRefreshGranted,
		events.RegistryTokenIssued, events.RegistryTokenIssued, events.RegistryTokenIssued}
	if !slices.Equal(types, wantTypes) {
		t.Fatalf("token events %v, want %v", types, wantTypes)
	}
	for i, typ := range types {
		if data[i]["actor"] != "alice" {
			t.Errorf("event %d: %s %v", i, typ, data[i])
		}
		for _, secret := range []string{jwtTeam, tr.Token, tr.RefreshToken, refreshed.Token, "lic-ok"} {
			if strings.Contains(raw[i], secret) {
				t.Errorf("event %d holds a credential in clear: %s", i, raw[i])
			}
		}
	}
	checkEventSchemas(t, s)
	if got := s.counter(t, "registry_token_issued_total", "plan", "team"); got != 5 {
		t.Errorf("registry_token_issued_total{plan=team} = %v, want 5", got)
	}
	if got := s.counter(t, "registry_token_issued_total", "plan", "community"); got != 0 {
		t.Errorf("registry_token_issued_total{plan=community} = %v, want 0", got)
	}
}

// A caller without a licence claim gets a token without stellaops:license,
// still naming the service.
func TestTokenWithoutLicence(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	q := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull"}}
	claims := verify(t, s, decodeToken(t, s.get(t, q.Encode(), bearer(s.jwtFor(t, nil)))).Token)
	if l, ok := claims["stellaops:license"]; ok || claims["service"] != service {
		t.Errorf("stellaops:license %v, service %v; want none and %s", l, claims["service"], service)
	}
}

// Seed 001: a client-credentials token carrying client_id and no sub is
// accepted, and the issued token's sub is the client id.
func TestTokenSubjectFromClientID(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	q := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull"}}
	jwt := s.jwtFor(t, map[string]any{"sub": nil, "client_id": "ci-bot"})
	claims := verify(t, s, decodeToken(t, s.get(t, q.Encode(), bearer(jwt))).Token)
	if claims["sub"] != "ci-bot" {
		t.Errorf("sub %v, want the client id ci-bot", claims["sub"])
	}
}

// The required scope may come as the scope claim or as scp, a string or a
// list; with REGISTRY_TOKEN_REQUIRED_SCOPES=none (an empty list) a token
// without it is served.
func TestTokenRequiredScopes(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	q := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull"}}.Encode()
	for name, extra := range map[string]map[string]any{
		"scope among others": {"scope": "openid registry.token.issue profile"},
		"scp string":         {"scope": nil, "scp": "registry.token.issue"},
		"scp list":           {"scope": nil, "scp": []any{"openid", "registry.token.issue"}},
	} {
		if r := s.get(t, q, bearer(s.jwtFor(t, extra))); r.status != http.StatusOK {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	open := startStack(t, func(c *registrytoken.Config) { c.RequiredScopes = []string{} })
	if r := open.get(t, q, bearer(open.jwtFor(t, map[string]any{"scope": nil}))); r.status != http.StatusOK {
		t.Errorf("no scope required: %d %s", r.status, r.body)
	}
}

// REGISTRY_TOKEN_GRANTS=strict refuses a request exceeding the plan (seed
// 001's 403) where the default, partial, grants the intersection (checked
// in TestTokenOverHTTP); a request within the plan is served either way.
func TestTokenStrictGrants(t *testing.T) {
	t.Parallel()
	s := startStack(t, func(c *registrytoken.Config) { c.Grants = registrytoken.GrantsStrict })
	jwtTeam := s.jwtFor(t, map[string]any{"stellaops:plan": "team"})
	over := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull,push", "repository:library/alpine:pull,push"}}
	r := s.get(t, over.Encode(), bearer(jwtTeam))
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), registrytoken.ReasonPlanDenied) {
		t.Fatalf("strict, beyond the plan: %d %s, want 403 %s", r.status, r.body, registrytoken.ReasonPlanDenied)
	}
	within := url.Values{"service": {service}, "scope": {"repository:team-a/app:pull,push", "repository:library/alpine:pull"}}
	claims := verify(t, s, decodeToken(t, s.get(t, within.Encode(), bearer(jwtTeam))).Token)
	if len(claims["access"].([]any)) != 2 {
		t.Errorf("strict, within the plan: access %v", claims["access"])
	}
	checkEventSchemas(t, s)
}

func TestTokenRejections(t *testing.T) {
	t.Parallel()
	s := startStack(t, func(c *registrytoken.Config) { c.AllowedServices = []string{service, "other.example.com"} })
	good := s.jwtFor(t, nil)
	revoked := s.jwtFor(t, map[string]any{"stellaops:license": "lic-revoked"})
	gold := s.jwtFor(t, map[string]any{"stellaops:plan": "gold"})
	listPlan := s.jwtFor(t, map[string]any{"stellaops:plan": []any{"team"}})
	expired := s.jwtFor(t, map[string]any{"exp": 1_000_000})
	noScope := s.jwtFor(t, map[string]any{"scope": nil})
	otherScopes := s.jwtFor(t, map[string]any{"scope": "openid profile registry.token", "scp": []any{"registry.token.issued"}})
	svc := "service=" + service
	for _, tc := range []struct {
		name   string
		do     func() response
		status int
		code   string
		reason string
	}{
		{"no service", func() response { return s.get(t, "scope=repository:a:pull", basic("alice", good)) }, 400, "UNSUPPORTED", registrytoken.ReasonInvalidRequest},
		{"service twice", func() response { return s.get(t, svc+"&"+svc, basic("alice", good)) }, 400, "UNSUPPORTED", registrytoken.ReasonInvalidRequest},
		{"malformed scope", func() response { return s.get(t, svc+"&scope=repository:Bad:pull", basic("alice", good)) }, 400, "UNSUPPORTED", registrytoken.ReasonInvalidScope},
		{"bad offline_token", func() response { return s.get(t, svc+"&offline_token=maybe", basic("alice", good)) }, 400, "UNSUPPORTED", registrytoken.ReasonInvalidRequest},
		{"unsupported grant", func() response { return s.post(t, svc+"&grant_type=client_credentials") }, 400, "UNSUPPORTED", registrytoken.ReasonUnsupportedGrant},
		{"no credentials", func() response { return s.get(t, svc, nil) }, 401, "UNAUTHORIZED", registrytoken.ReasonUnauthenticated},
		{"a password, not a token", func() response { return s.get(t, svc, basic("alice", "hunter2")) }, 401, "UNAUTHORIZED", registrytoken.ReasonUnauthenticated},
		{"expired token", func() response { return s.get(t, svc, bearer(expired)) }, 401, "UNAUTHORIZED", registrytoken.ReasonUnauthenticated},
		{"other scheme", func() response {
			return s.get(t, svc, func(r *http.Request) { r.Header.Set("Authorization", "Digest x") })
		}, 401, "UNAUTHORIZED", registrytoken.ReasonUnauthenticated},
		{"unknown refresh token", func() response { return s.post(t, svc+"&grant_type=refresh_token&refresh_token=nope") }, 401, "UNAUTHORIZED", registrytoken.ReasonInvalidRefreshToken},
		{"revoked licence", func() response { return s.get(t, svc, basic("alice", revoked)) }, 403, "DENIED", registrytoken.ReasonLicenseRevoked},
		{"service not allowed", func() response { return s.get(t, "service=evil.example.com", basic("alice", good)) }, 403, "DENIED", registrytoken.ReasonServiceNotAllowed},
		{"unknown plan", func() response { return s.get(t, svc, basic("alice", gold)) }, 403, "DENIED", registrytoken.ReasonUnknownPlan},
		{"plan claim not a string", func() response { return s.get(t, svc, basic("alice", listPlan)) }, 403, "DENIED", registrytoken.ReasonInvalidClaims},
		{"no required scope", func() response { return s.get(t, svc, bearer(noScope)) }, 403, "DENIED", registrytoken.ReasonMissingScope},
		{"other scopes only", func() response { return s.get(t, svc, bearer(otherScopes)) }, 403, "DENIED", registrytoken.ReasonMissingScope},
	} {
		// Sequential: the events below are checked in request order.
		r := tc.do()
		if r.status != tc.status {
			t.Errorf("%s: status %d, want %d; body %s", tc.name, r.status, tc.status, r.body)
			continue
		}
		var body struct {
			Errors []struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Detail  map[string]string `json:"detail"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) != 1 {
			t.Errorf("%s: body %s is not a registry error body: %v", tc.name, r.body, err)
			continue
		}
		e := body.Errors[0]
		if e.Code != tc.code || e.Detail["reason"] != tc.reason || e.Message == "" {
			t.Errorf("%s: error %+v, want code %s reason %s", tc.name, e, tc.code, tc.reason)
		}
		if tc.status == 401 && r.header.Get("WWW-Authenticate") != `Basic realm="https://token.example.com/token"` {
			t.Errorf("%s: WWW-Authenticate %q", tc.name, r.header.Get("WWW-Authenticate"))
		}
	}

	types, data, raw := s.tokenEvents(t)
	if len(types) != 16 {
		t.Fatalf("%d token events for 16 rejections: %v", len(types), types)
	}
	for i, typ := range types {
		if typ != events.RegistryTokenRejected {
			t.Errorf("event %d is %s", i, typ)
		}
		for _, secret := range []string{good, revoked, gold, "hunter2", "lic-revoked"} {
			if strings.Contains(raw[i], secret) {
				t.Errorf("event %d holds a credential in clear: %s", i, raw[i])
			}
		}
	}
	checkEventSchemas(t, s)
	if data[0]["reason"] != registrytoken.ReasonInvalidRequest || data[10]["reason"] != registrytoken.ReasonLicenseRevoked || data[10]["actor"] != "alice" {
		t.Errorf("events %v", data)
	}
	for reason, want := range map[string]float64{
		registrytoken.ReasonInvalidRequest: 3, registrytoken.ReasonUnauthenticated: 4, registrytoken.ReasonLicenseRevoked: 1,
		registrytoken.ReasonInvalidClaims: 1, registrytoken.ReasonMissingScope: 2, registrytoken.ReasonUnavailable: 0,
	} {
		if got := s.counter(t, "registry_token_rejected_total", "reason", reason); got != want {
			t.Errorf("registry_token_rejected_total{reason=%s} = %v, want %v", reason, got, want)
		}
	}
}

func TestAnonymousAndHealth(t *testing.T) {
	t.Parallel()
	s := startStack(t, func(c *registrytoken.Config) { c.AnonymousPlan = "community" })
	tr := decodeToken(t, s.get(t, "service="+service+"&scope=repository:library/alpine:pull,push", nil))
	claims := verify(t, s, tr.Token)
	if sub, ok := claims["sub"].(string); !ok || sub != "" {
		t.Errorf("anonymous sub %v, want empty", claims["sub"])
	}
	if got := claims["access"].([]any)[0].(map[string]any)["actions"]; !reflect.DeepEqual(got, []any{"pull"}) {
		t.Errorf("anonymous actions %v", got)
	}
	req, _ := http.NewRequest(http.MethodGet, s.url+"/healthz", nil)
	if r := s.do(t, req); r.status != 200 {
		t.Errorf("/healthz %d", r.status)
	}
	req, _ = http.NewRequest(http.MethodPut, s.url+"/token", nil)
	if r := s.do(t, req); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET, POST" {
		t.Errorf("PUT /token: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}
