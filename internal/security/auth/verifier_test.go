package auth_test

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

func TestVerifyValidToken(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	tok := o.Token(t, "alice", []string{"tenant-a", "tenant-b"}, "developer", "read-only")

	p, err := verify(t, v, tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "alice" || p.Tenant != "tenant-a" || !slices.Equal(p.Roles, []string{"developer", "read-only"}) {
		t.Errorf("principal = %+v", p)
	}
	if p.Token != tok || p.Claims["jti"] == nil || time.Until(p.Expiry) < 50*time.Minute {
		t.Errorf("token, claims or expiry not carried: %+v", p)
	}
	c := p.Caller()
	if c.Subject != "alice" || c.Tenant != "tenant-a" || c.Token != tok || !c.HasRole("developer") || c.HasRole("admin") {
		t.Errorf("caller = %+v", c)
	}
	if v.JWKSURL() != o.JWKSURL {
		t.Errorf("discovered JWKS URL %q, want %q", v.JWKSURL(), o.JWKSURL)
	}
}

func TestVerifyRefusesBadTokens(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	key, kid := o.SigningKey()
	stranger, err := oidcdev.New(oidcdev.Options{Issuer: o.URL, Audience: audience})
	if err != nil {
		t.Fatal(err)
	}
	strangerKey, strangerKID := stranger.SigningKey()
	mint := func(c oidcdev.Claims) func(*testing.T) string {
		return func(t *testing.T) string {
			if c.Subject == "" {
				c.Subject = "alice"
			}
			if c.Groups == nil {
				c.Groups = []string{"tenant-a"}
			}
			tok, err := o.Mint(c)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	now := time.Now()
	tests := []struct {
		name  string
		token func(*testing.T) string
		want  error
	}{
		{"alg none", func(t *testing.T) string {
			return forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, kid, validClaims(o))
		}, auth.ErrAlgorithm},
		{"HS256 keyed with the RSA public key", func(t *testing.T) string {
			der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
			return forge(t, jwt.SigningMethodHS256, pemKey, kid, validClaims(o))
		}, auth.ErrAlgorithm},
		{"expired beyond leeway", mint(oidcdev.Claims{IssuedAt: now.Add(-2 * time.Hour), NotBefore: now.Add(-2 * time.Hour), TTL: time.Hour}), auth.ErrExpired},
		{"nbf in the future", mint(oidcdev.Claims{NotBefore: now.Add(10 * time.Minute)}), auth.ErrNotYetValid},
		{"iat in the future", mint(oidcdev.Claims{IssuedAt: now.Add(10 * time.Minute)}), auth.ErrNotYetValid},
		{"wrong issuer", mint(oidcdev.Claims{Extra: map[string]any{"iss": "http://evil.example"}}), auth.ErrWrongIssuer},
		{"wrong audience", mint(oidcdev.Claims{Audience: []string{"someone-else"}}), auth.ErrWrongAudience},
		{"no audience", mint(oidcdev.Claims{Extra: map[string]any{"aud": nil}}), auth.ErrMissingClaim},
		{"missing exp", mint(oidcdev.Claims{Extra: map[string]any{"exp": nil}}), auth.ErrMissingClaim},
		{"unknown kid", func(t *testing.T) string {
			return forge(t, jwt.SigningMethodRS256, strangerKey, strangerKID, validClaims(o))
		}, auth.ErrUnknownKey},
		{"foreign key without kid", func(t *testing.T) string {
			return forge(t, jwt.SigningMethodRS256, strangerKey, "", validClaims(o))
		}, auth.ErrBadSignature},
		{"foreign key claiming our kid", func(t *testing.T) string {
			return forge(t, jwt.SigningMethodRS256, strangerKey, kid, validClaims(o))
		}, auth.ErrBadSignature},
		{"tampered payload", func(t *testing.T) string {
			return tamper(t, o.Token(t, "alice", []string{"tenant-a"}), "groups", []string{"tenant-b"})
		}, auth.ErrBadSignature},
		{"no groups", mint(oidcdev.Claims{Groups: []string{}}), auth.ErrNoGroups},
		{"empty groups", mint(oidcdev.Claims{Extra: map[string]any{"groups": []string{}}}), auth.ErrNoGroups},
		{"groups not strings", mint(oidcdev.Claims{Extra: map[string]any{"groups": []int{1}}}), auth.ErrNoGroups},
		{"nested group path", mint(oidcdev.Claims{Groups: []string{"/tenant-b/team"}}), auth.ErrBadTenant},
		{"dot-dot group", mint(oidcdev.Claims{Groups: []string{".."}}), auth.ErrBadTenant},
		{"root group", mint(oidcdev.Claims{Groups: []string{"/"}}), auth.ErrBadTenant},
		{"no subject", mint(oidcdev.Claims{Extra: map[string]any{"sub": nil}}), auth.ErrNoSubject},
		{"roles not strings", mint(oidcdev.Claims{Extra: map[string]any{"roles": 42}}), auth.ErrBadRoles},
		// RFC 7515 §4.1.11: validly signed, but naming extensions this
		// service does not understand (it understands none).
		{"crit header", mint(oidcdev.Claims{Header: map[string]any{"crit": []string{"exp"}}}), auth.ErrCritical},
		{"empty crit header", mint(oidcdev.Claims{Header: map[string]any{"crit": []string{}}}), auth.ErrCritical},
		{"crit header naming an extension", mint(oidcdev.Claims{Header: map[string]any{"crit": []string{"http://example.com/ext"}, "http://example.com/ext": true}}), auth.ErrCritical},
		{"two segments", func(*testing.T) string { return "abc.def" }, auth.ErrMalformed},
		{"garbage header", func(*testing.T) string { return "!!!.e30.sig" }, auth.ErrMalformed},
		{"empty", func(*testing.T) string { return "" }, auth.ErrMalformed},
		{"oversized", func(*testing.T) string { return strings.Repeat("a", 40<<10) }, auth.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok := tc.token(t)
			p, err := verify(t, v, tok)
			if !errors.Is(err, handlers.ErrUnauthenticated) || !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %+v, %v; want %v", p, err, tc.want)
			}
			msg := err.Error()
			for _, leak := range []string{tok, "evil.example", "tenant-b", "someone-else", kid, strangerKID} {
				if leak != "" && strings.Contains(msg, leak) {
					t.Errorf("error %q leaks %q", msg, leak)
				}
			}
		})
	}
}

func TestVerifyLeeway(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	tests := []struct {
		name    string
		leeway  time.Duration
		expired time.Duration // how long ago exp was
		wantErr error
	}{
		{"default leeway covers 10s", 0, 10 * time.Second, nil},
		{"default leeway does not cover 2m", 0, 2 * time.Minute, auth.ErrExpired},
		{"1s leeway does not cover 10s", time.Second, 10 * time.Second, auth.ErrExpired},
		{"2m leeway covers 1m", 2 * time.Minute, time.Minute, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, o, func(c *auth.Config) { c.Leeway = tc.leeway })
			iat := time.Now().Add(-time.Hour)
			tok, err := o.Mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, IssuedAt: iat, NotBefore: iat, TTL: time.Hour - tc.expired})
			if err != nil {
				t.Fatal(err)
			}
			_, err = verify(t, v, tok)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify: %v, want %v", err, tc.wantErr)
			}
		})
	}
}
