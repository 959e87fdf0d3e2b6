package auth_test

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// Keycloak puts groups as full paths and realm roles under realm_access.
func TestVerifyClaimShapes(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	tests := []struct {
		name       string
		rolesClaim string
		claims     oidcdev.Claims
		wantTenant string
		wantRoles  []string
	}{
		{"keycloak group path", "", oidcdev.Claims{Groups: []string{"/tenant-a", "/tenant-b"}}, "tenant-a", nil},
		{"keycloak realm roles", "realm_access.roles", oidcdev.Claims{Groups: []string{"tenant-a"}, Extra: map[string]any{
			"realm_access": map[string]any{"roles": []string{"admin", "offline_access"}},
		}}, "tenant-a", []string{"admin", "offline_access"}},
		{"missing nested roles", "realm_access.roles", oidcdev.Claims{Groups: []string{"tenant-a"}}, "tenant-a", nil},
		{"namespaced claim with dots", "https://example.com/roles", oidcdev.Claims{Groups: []string{"tenant-a"}, Extra: map[string]any{
			"https://example.com/roles": []string{"developer"},
		}}, "tenant-a", []string{"developer"}},
		{"single role string", "", oidcdev.Claims{Groups: []string{"tenant-a"}, Extra: map[string]any{"roles": "read-only"}}, "tenant-a", []string{"read-only"}},
		{"single group string", "", oidcdev.Claims{Extra: map[string]any{"groups": "tenant-c"}}, "tenant-c", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, o, func(c *auth.Config) { c.RolesClaim = tc.rolesClaim })
			tc.claims.Subject = "alice"
			tok, err := o.Mint(tc.claims)
			if err != nil {
				t.Fatal(err)
			}
			p, err := verify(t, v, tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if p.Tenant != tc.wantTenant || !slices.Equal(p.Roles, tc.wantRoles) {
				t.Errorf("tenant %q roles %v, want %q %v", p.Tenant, p.Roles, tc.wantTenant, tc.wantRoles)
			}
		})
	}
}

// Seed 001: the subject is sub, else client_id, else nameidentifier; a
// subject claim that is not a string is refused.
func TestSubjectFallbacks(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, func(*auth.Config) {})
	const uri = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier"
	for name, tc := range map[string]struct {
		extra map[string]any
		want  string
		err   error
	}{
		"sub wins":             {map[string]any{"sub": "alice", "client_id": "ci-bot"}, "alice", nil},
		"client_id only":       {map[string]any{"sub": nil, "client_id": "ci-bot"}, "ci-bot", nil},
		"empty sub":            {map[string]any{"sub": "", "client_id": "ci-bot"}, "ci-bot", nil},
		"nameidentifier":       {map[string]any{"sub": nil, "nameidentifier": "svc-7"}, "svc-7", nil},
		"nameidentifier URI":   {map[string]any{"sub": nil, uri: "svc-8"}, "svc-8", nil},
		"client_id not a text": {map[string]any{"sub": nil, "client_id": 7}, "", auth.ErrNoSubject},
		"none":                 {map[string]any{"sub": nil}, "", auth.ErrNoSubject},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			tok, err := o.Mint(oidcdev.Claims{Subject: "unused", Groups: []string{"tenant-a"}, Extra: tc.extra})
			if err != nil {
				t.Fatal(err)
			}
			p, err := verify(t, v, tok)
			if !errors.Is(err, tc.err) || p.Subject != tc.want {
				t.Fatalf("subject %q, %v; want %q, %v", p.Subject, err, tc.want, tc.err)
			}
		})
	}
}

func TestTenantFromGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		groups []string
		want   string
		err    error
	}{
		{"plain", []string{"tenant-a", "x"}, "tenant-a", nil},
		{"keycloak path", []string{"/tenant-a"}, "tenant-a", nil},
		{"none", nil, "", auth.ErrNoGroups},
		{"empty first", []string{"", "tenant-a"}, "", auth.ErrBadTenant},
		{"nested", []string{"/a/b"}, "", auth.ErrBadTenant},
		{"double slash", []string{"//a"}, "", auth.ErrBadTenant},
		{"traversal", []string{"../b"}, "", auth.ErrBadTenant},
		{"control char", []string{"a\x00b"}, "", auth.ErrBadTenant},
		{"backslash", []string{`a\b`}, "", auth.ErrBadTenant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := auth.TenantFromGroups(tc.groups)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("TenantFromGroups = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
			if tc.err != nil && !errors.Is(err, handlers.ErrUnauthenticated) {
				t.Errorf("%v does not wrap ErrUnauthenticated", err)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc.def.ghi", "abc.def.ghi", true},
		{"bearer abc", "abc", true},
		{"BEARER   abc  ", "abc", true},
		{"", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"Basic dXNlcjpwdw==", "", false},
		{"Bearer a b", "", false},
		{"Bearerabc", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.header, func(t *testing.T) {
			t.Parallel()
			got, err := auth.BearerToken(tc.header)
			if got != tc.want || (err == nil) != tc.ok {
				t.Fatalf("BearerToken(%q) = %q, %v", tc.header, got, err)
			}
			if !tc.ok && !errors.Is(err, handlers.ErrUnauthenticated) {
				t.Errorf("%v does not wrap ErrUnauthenticated", err)
			}
		})
	}
}

func TestPrincipalLogValueOmitsSecrets(t *testing.T) {
	t.Parallel()
	p := auth.Principal{Subject: "alice", Tenant: "tenant-a", Token: "secret.jwt.value", Claims: map[string]any{"email": "alice@example.com"}}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("call", "principal", p, "caller", p.Caller())
	out := buf.String()
	if !strings.Contains(out, "tenant-a") {
		t.Errorf("log lacks the tenant: %s", out)
	}
	for _, secret := range []string{"secret.jwt.value", "alice@example.com"} {
		if strings.Contains(out, secret) {
			t.Errorf("log leaks %q: %s", secret, out)
		}
	}
}
