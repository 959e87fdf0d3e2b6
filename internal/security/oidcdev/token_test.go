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
		Clients:  map[string]oidcdev.ClientSpec{"ci": {Secret: "s3cret:&=", Groups: []string{"tenant-a"}, Roles: []string{"developer"}}},
		Users:    map[string]oidcdev.UserSpec{"alice": {Password: "pw", Groups: []string{"/tenant-b"}, Roles: []string{"admin"}}},
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
		{"password", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"pw"}}, nil, 200, "", "alice", "tenant-b"},
		{"bad password", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"PW"}}, nil, 401, "invalid_grant", "", ""},
		{"unknown user", url.Values{"grant_type": {"password"}, "username": {"bob"}, "password": {"pw"}}, nil, 401, "invalid_grant", "", ""},
		{"unknown grant", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, nil, 400, "unsupported_grant_type", "", ""},
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
