package oidcdev_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestDiscoveryDocument(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, "registry")
	var doc struct {
		Issuer        string   `json:"issuer"`
		JWKSURI       string   `json:"jwks_uri"`
		TokenEndpoint string   `json:"token_endpoint"`
		Algs          []string `json:"id_token_signing_alg_values_supported"`
		Grants        []string `json:"grant_types_supported"`
	}
	getJSON(t, o.URL+"/.well-known/openid-configuration", &doc)
	if doc.Issuer != o.URL || doc.JWKSURI != o.JWKSURL || doc.TokenEndpoint != o.URL+"/token" {
		t.Errorf("endpoints: %+v", doc)
	}
	if !slices.Equal(doc.Algs, []string{"RS256"}) || !slices.Contains(doc.Grants, "client_credentials") || !slices.Contains(doc.Grants, "password") {
		t.Errorf("capabilities: %+v", doc)
	}
}

type jwks struct {
	Keys []map[string]string `json:"keys"`
}

func kids(t *testing.T, o *testkit.OIDC) []string {
	t.Helper()
	var set jwks
	getJSON(t, o.JWKSURL, &set)
	var out []string
	for _, k := range set.Keys {
		if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["n"] == "" || k["e"] != "AQAB" {
			t.Errorf("JWK %v lacks a field", k)
		}
		if _, ok := k["d"]; ok {
			t.Errorf("JWK %s publishes the private exponent", k["kid"])
		}
		out = append(out, k["kid"])
	}
	return out
}

func TestJWKSRotateAndRetire(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, "registry")
	_, first := o.SigningKey()
	if got := kids(t, o); !slices.Equal(got, []string{first}) {
		t.Fatalf("kids %v, want [%s]", got, first)
	}
	second, err := o.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if _, signing := o.SigningKey(); signing != second {
		t.Errorf("signing kid %s, want the rotated %s", signing, second)
	}
	if got := kids(t, o); !slices.Equal(got, []string{first, second}) {
		t.Errorf("after rotate: kids %v", got)
	}
	if err := o.Retire(first); err != nil {
		t.Fatal(err)
	}
	if got := kids(t, o); !slices.Equal(got, []string{second}) {
		t.Errorf("after retire: kids %v", got)
	}
	if err := o.Retire("no-such-kid"); err == nil {
		t.Error("Retire of an unknown kid succeeded")
	}
}

func TestMintedTokenVerifies(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, "registry")
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: o.URL, Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := o.Mint(oidcdev.Claims{Subject: "svc", Groups: []string{"tenant-a"}, Roles: []string{"admin"}, Audience: []string{"other", "registry"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "svc" || p.Tenant != "tenant-a" || !slices.Equal(p.Roles, []string{"admin"}) || p.Claims["jti"] == "" {
		t.Errorf("principal %+v", p)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts oidcdev.Options
		ok   bool
	}{
		{"minimal", oidcdev.Options{Issuer: "http://127.0.0.1:8092", Audience: "registry"}, true},
		{"no issuer", oidcdev.Options{Audience: "registry"}, false},
		{"relative issuer", oidcdev.Options{Issuer: "/x", Audience: "registry"}, false},
		{"no audience", oidcdev.Options{Issuer: "http://h"}, false},
		{"negative TTL", oidcdev.Options{Issuer: "http://h", Audience: "a", TTL: -1}, false},
		{"client without secret", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {}}}, false},
		{"public client", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, PasswordGrant: true}}}, true},
		{"public client with a secret", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, PasswordGrant: true, Secret: "s"}}}, false},
		{"public client without the password grant", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true}}}, false},
		{"public code-grant client", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, RedirectURIs: []string{"http://localhost:8080/console/callback"}}}}, true},
		{"wildcard redirect URI", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, RedirectURIs: []string{"http://localhost:8080/*"}}}}, false},
		{"relative redirect URI", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, RedirectURIs: []string{"/console/callback"}}}}, false},
		{"redirect URI with a fragment", oidcdev.Options{Issuer: "http://h", Audience: "a", Clients: map[string]oidcdev.ClientSpec{"c": {Public: true, RedirectURIs: []string{"http://h/cb#x"}}}}, false},
		{"user without password", oidcdev.Options{Issuer: "http://h", Audience: "a", Users: map[string]oidcdev.UserSpec{"u": {}}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.opts.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}
