package oidcdev_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDCWith(t, oidcdev.Options{
		Audience: "registry",
		Clients: map[string]oidcdev.ClientSpec{
			"ci":     {Secret: "s3cret:&=", Groups: []string{"tenant-a"}, Roles: []string{"developer"}},
			"login":  {Secret: "login-secret", PasswordGrant: true},
			"docker": {Public: true, PasswordGrant: true},
		},
		Users: map[string]oidcdev.UserSpec{"alice": {Password: "pw", Groups: []string{"/tenant-b"}, Roles: []string{"admin"}}},
	})
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: o.URL, Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		form       url.Values
		basic      []string // id, secret
		wantStatus int
		wantError  string
		wantSub    string
		wantTenant string
	}{
		{"client secret in form", url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci"}, "client_secret": {"s3cret:&="}}, nil, 200, "", "ci", "tenant-a"},
		{"client secret in Basic", url.Values{"grant_type": {"client_credentials"}}, []string{"ci", url.QueryEscape("s3cret:&=")}, 200, "", "ci", "tenant-a"},
		{"bad secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {"ci"}, "client_secret": {"nope"}}, nil, 401, "invalid_client", "", ""},
		{"bad Basic secret", url.Values{"grant_type": {"client_credentials"}}, []string{"ci", "nope"}, 401, "invalid_client", "", ""},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"x"}, "client_secret": {"s3cret:&="}}, nil, 401, "invalid_client", "", ""},
		{"no client", url.Values{"grant_type": {"client_credentials"}}, nil, 401, "invalid_client", "", ""},
		{"Basic and form secret", url.Values{"grant_type": {"client_credentials"}, "client_secret": {"s3cret:&="}}, []string{"ci", "s3cret"}, 400, "invalid_request", "", ""},
		{"public client's client_credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {"docker"}}, nil, 400, "unauthorized_client", "", ""},
		{"password, public client", pwForm("alice", "pw", "docker", ""), nil, 200, "", "alice", "tenant-b"},
		{"password, confidential client in the form", pwForm("alice", "pw", "login", "login-secret"), nil, 200, "", "alice", "tenant-b"},
		{"password, confidential client in Basic", pwForm("alice", "pw", "", ""), []string{"login", "login-secret"}, 200, "", "alice", "tenant-b"},
		{"password, bad client secret", pwForm("alice", "pw", "login", "nope"), nil, 401, "invalid_client", "", ""},
		{"password, confidential client without its secret", pwForm("alice", "pw", "login", ""), nil, 401, "invalid_client", "", ""},
		{"password, public client with a secret", pwForm("alice", "pw", "docker", "x"), nil, 401, "invalid_client", "", ""},
		{"password, no client", pwForm("alice", "pw", "", ""), nil, 401, "invalid_client", "", ""},
		{"password, client not allowed the grant", pwForm("alice", "pw", "ci", "s3cret:&="), nil, 400, "unauthorized_client", "", ""},
		{"bad password", pwForm("alice", "PW", "docker", ""), nil, 401, "invalid_grant", "", ""},
		{"unknown user", pwForm("bob", "pw", "docker", ""), nil, 401, "invalid_grant", "", ""},
		{"unknown grant", url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {"x"}}, nil, 400, "unsupported_grant_type", "", ""},
		{"no grant", url.Values{}, nil, 400, "unsupported_grant_type", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, o.URL+"/token", strings.NewReader(tc.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.basic != nil {
				req.SetBasicAuth(tc.basic[0], tc.basic[1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				AccessToken string `json:"access_token"`
				TokenType   string `json:"token_type"`
				ExpiresIn   int    `json:"expires_in"`
				Error       string `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantStatus || body.Error != tc.wantError {
				t.Fatalf("status %d error %q, want %d %q", resp.StatusCode, body.Error, tc.wantStatus, tc.wantError)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Error("token response may be cached")
			}
			if tc.wantStatus != 200 {
				if body.AccessToken != "" {
					t.Error("refused request got a token")
				}
				return
			}
			if body.TokenType != "Bearer" || body.ExpiresIn != 3600 {
				t.Errorf("token_type %q expires_in %d", body.TokenType, body.ExpiresIn)
			}
			p, err := v.Verify(t.Context(), body.AccessToken)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Subject != tc.wantSub || p.Tenant != tc.wantTenant {
				t.Errorf("principal %+v", p)
			}
		})
	}
}

// pwForm is a password grant for user as client (none when empty; its
// secret in the form when set).
func pwForm(user, password, client, secret string) url.Values {
	f := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
	if client != "" {
		f.Set("client_id", client)
	}
	if secret != "" {
		f.Set("client_secret", secret)
	}
	return f
}

func TestTokenEndpointMethods(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, "registry")
	resp, err := http.Get(o.URL + "/token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /token: %s", resp.Status)
	}
}
