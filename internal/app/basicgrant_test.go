package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// docker login -u alice -p <her password> (seed 001): with
// REGISTRY_AUTH_BASIC_GRANT=password, GET /token with a user's own
// password gives a registry token for that user, exchanged once at the
// issuer and then reused; a wrong password is 401 with the registry error
// body, asked again every time; a JWT as the password still works. With
// client_credentials (the default) a robot's id and secret work and a
// user's password is refused.
func TestTokenWithAUsersPassword(t *testing.T) {
	t.Parallel()
	const (
		password     = "alice-password-7c2e"
		clientSecret = "docker-login-secret-51ab"
	)
	tenant := testkit.RandomTenant(t)
	iss := testkit.StartOIDCWith(t, oidcdev.Options{Audience: testkit.Audience,
		Clients: map[string]oidcdev.ClientSpec{
			"docker-login": {Secret: clientSecret, PasswordGrant: true},
			"ci-bot":       {Secret: "ci-secret-8d1f", Groups: []string{tenant}, Roles: []string{"developer"}},
		},
		Users: map[string]oidcdev.UserSpec{"alice": {Password: password, Groups: []string{tenant}, Roles: []string{"developer"}}},
	})
	start := func(basic app.BasicAuthConfig) *testkit.Registry {
		return testkit.StartRegistry(t, func(c *app.Config) {
			c.OIDC = auth.Config{Issuer: iss.URL, Audience: testkit.Audience}
			c.BasicAuth = basic
			withTokenService(c)
		})
	}
	type answer struct {
		status int
		header http.Header
		body   []byte
	}
	get := func(reg *testkit.Registry, path, user, pass string) answer {
		req, _ := http.NewRequest(http.MethodGet, reg.URL+path, nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return answer{resp.StatusCode, resp.Header, body}
	}
	tokenPath := "/token?" + url.Values{"service": {"registry"}, "scope": {"repository:" + tenant + "/app:pull,push"}}.Encode()
	subject := func(a answer) string {
		t.Helper()
		var tr registrytoken.TokenResponse
		if err := json.Unmarshal(a.body, &tr); a.status != http.StatusOK || err != nil || tr.Token == "" {
			t.Fatalf("GET /token: %d %s", a.status, a.body)
		}
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tr.Token, claims); err != nil {
			t.Fatal(err)
		}
		sub, _ := claims["sub"].(string)
		return sub
	}
	refused := func(what string, a answer) {
		t.Helper()
		var body struct {
			Errors []struct {
				Code   string            `json:"code"`
				Detail map[string]string `json:"detail"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(a.body, &body); a.status != http.StatusUnauthorized || err != nil || len(body.Errors) != 1 ||
			body.Errors[0].Code != "UNAUTHORIZED" || body.Errors[0].Detail["reason"] != registrytoken.ReasonUnauthenticated {
			t.Errorf("%s: %d %s, want 401 UNAUTHORIZED %s", what, a.status, a.body, registrytoken.ReasonUnauthenticated)
		}
		if c := a.header.Get("WWW-Authenticate"); !strings.HasPrefix(c, "Basic realm=") {
			t.Errorf("%s: WWW-Authenticate %q, want a Basic challenge", what, c)
		}
	}

	reg := start(app.BasicAuthConfig{Enabled: true, Grant: auth.GrantPassword, ClientID: "docker-login", ClientSecret: clientSecret})
	before := iss.TokenRequests()
	if sub := subject(get(reg, tokenPath, "alice", password)); sub != "alice" {
		t.Errorf("token for alice's password names %q", sub)
	}
	if sub := subject(get(reg, tokenPath, "alice", password)); sub != "alice" {
		t.Errorf("second token for alice's password names %q", sub)
	}
	if n := iss.TokenRequests() - before; n != 1 {
		t.Errorf("%d password exchanges at the issuer for two logins, want 1 (cached)", n)
	}
	before = iss.TokenRequests()
	refused("a wrong password", get(reg, tokenPath, "alice", "not-her-password"))
	refused("a wrong password again", get(reg, tokenPath, "alice", "not-her-password"))
	if n := iss.TokenRequests() - before; n != 2 {
		t.Errorf("%d exchanges at the issuer for two wrong passwords, want 2 (refusals not cached)", n)
	}
	refused("a robot's client credentials", get(reg, tokenPath, "ci-bot", "ci-secret-8d1f"))
	before = iss.TokenRequests()
	if sub := subject(get(reg, tokenPath, "whoever", iss.Token(t, "bob", []string{tenant}, "developer"))); sub != "bob" || iss.TokenRequests() != before {
		t.Errorf("a JWT as the password: token for %q after %d exchanges, want bob and none", sub, iss.TokenRequests()-before)
	}
	// REST takes the same basic credentials.
	if a := get(reg, "/registry-api/image-pull/secrets", "alice", password); a.status != http.StatusOK {
		t.Errorf("REST with alice's password: %d %s", a.status, a.body)
	}
	for _, secret := range []string{password, "not-her-password", clientSecret} {
		if strings.Contains(string(reg.Logs.Bytes()), secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}

	// The default, client credentials: robots log in, users do not.
	cc := start(app.BasicAuthConfig{Enabled: true})
	if sub := subject(get(cc, tokenPath, "ci-bot", "ci-secret-8d1f")); sub != "ci-bot" {
		t.Errorf("client credentials: token for %q, want ci-bot", sub)
	}
	refused("client credentials mode, alice's password", get(cc, tokenPath, "alice", password))
}
