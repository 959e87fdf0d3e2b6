package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

const audience = "registry"

// newVerifier builds a Verifier for o through discovery, as registryd does
// when only the issuer URL is configured.
func newVerifier(t *testing.T, o *testkit.OIDC, edit func(*auth.Config)) *auth.Verifier {
	t.Helper()
	cfg := auth.Config{Issuer: o.URL, Audience: o.Audience}
	if edit != nil {
		edit(&cfg)
	}
	v, err := auth.NewVerifier(t.Context(), cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// validClaims are claims o would accept, for forging tokens by hand.
func validClaims(o *testkit.OIDC) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{
		"iss": o.URL, "sub": "alice", "aud": o.Audience,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"groups": []string{"tenant-a"},
	}
}

// forge signs claims with any method and key, kid in the header if set.
func forge(t *testing.T, m jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	return s
}

// tamper rewrites one claim of a signed token and keeps the signature.
func tamper(t *testing.T, tok, claim string, value any) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("tamper: %v", err)
	}
	m[claim] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

// verify is Verify with a test context.
func verify(t *testing.T, v *auth.Verifier, tok string) (auth.Principal, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return v.Verify(ctx, tok)
}
