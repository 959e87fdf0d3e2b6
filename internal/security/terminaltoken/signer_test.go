package terminaltoken_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/terminaltoken"
)

var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func validClaims() handlers.TerminalClaims {
	return handlers.TerminalClaims{
		Subject: "alice@tenant-a", Tenant: "tenant-a", ServiceID: "svc-1", ID: "pod-7",
		Scope: "NAMESPACE_SA", KubeconfigVersion: 3, JTI: "jti-1",
	}
}

func newSigner(t *testing.T, cfg terminaltoken.Config) *terminaltoken.Signer {
	t.Helper()
	s, err := terminaltoken.LoadOrCreate(filepath.Join(t.TempDir(), "terminal-signing.key"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// parse verifies raw against the signer's published JWKS, at time at.
func parse(t *testing.T, s *terminaltoken.Signer, raw string, at time.Time, audience string) (*jwt.Token, jwt.MapClaims, error) {
	t.Helper()
	kf, err := keyfunc.NewJWKSetJSON(s.JWKS())
	if err != nil {
		t.Fatalf("JWKS does not load: %v", err)
	}
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, kf.Keyfunc,
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithTimeFunc(func() time.Time { return at }),
		jwt.WithIssuer("urn:hypo:registry"), jwt.WithAudience(audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	return tok, claims, err
}

func TestSignedTokenCarriesTheClaims(t *testing.T) {
	t.Parallel()
	s := newSigner(t, terminaltoken.Config{Now: func() time.Time { return fixedNow.Add(400 * time.Millisecond) }})
	raw, exp, err := s.Sign(validClaims())
	if err != nil {
		t.Fatal(err)
	}
	if want := fixedNow.Add(terminaltoken.DefaultTTL); !exp.Equal(want) {
		t.Errorf("expires = %s, want %s (default TTL, whole seconds)", exp, want)
	}
	tok, claims, err := parse(t, s, raw, fixedNow.Add(time.Minute), "terminal")
	if err != nil {
		t.Fatalf("token does not verify with the JWKS: %v", err)
	}
	if tok.Header["kid"] != s.KID() || tok.Header["alg"] != "ES256" || s.KID() == "" {
		t.Errorf("header = %v, want kid %q and alg ES256", tok.Header, s.KID())
	}
	for k, want := range map[string]any{
		"iss": "urn:hypo:registry", "sub": "alice@tenant-a", "tenant": "tenant-a", "serviceId": "svc-1",
		"id": "pod-7", "scope": "NAMESPACE_SA", "kcv": float64(3), "jti": "jti-1",
		"iat": float64(fixedNow.Unix()), "nbf": float64(fixedNow.Unix()), "exp": float64(exp.Unix()),
	} {
		if claims[k] != want {
			t.Errorf("claim %s = %v (%T), want %v", k, claims[k], claims[k], want)
		}
	}
	if aud, _ := claims.GetAudience(); len(aud) != 1 || aud[0] != "terminal" {
		t.Errorf("aud = %v, want [terminal]", aud)
	}
}

func TestTokenRefusedOutsideItsBounds(t *testing.T) {
	t.Parallel()
	s := newSigner(t, terminaltoken.Config{TTL: 2 * time.Minute, Audience: "gw", Now: func() time.Time { return fixedNow }})
	raw, _, err := s.Sign(validClaims())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		at       time.Time
		audience string
		ok       bool
	}{
		{"within ttl", fixedNow.Add(119 * time.Second), "gw", true},
		{"after ttl", fixedNow.Add(2*time.Minute + time.Second), "gw", false},
		{"before issue", fixedNow.Add(-time.Minute), "gw", false},
		{"other audience", fixedNow, "terminal", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := parse(t, s, raw, tc.at, tc.audience); (err == nil) != tc.ok {
				t.Errorf("verify err = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestTokenFromAnotherKeyRefused(t *testing.T) {
	t.Parallel()
	a, b := newSigner(t, terminaltoken.Config{}), newSigner(t, terminaltoken.Config{})
	raw, _, err := a.Sign(validClaims())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := parse(t, b, raw, time.Now(), "terminal"); err == nil {
		t.Error("a token signed by another key verified")
	}
}

func TestJWKSHoldsOnlyThePublicKey(t *testing.T) {
	t.Parallel()
	s := newSigner(t, terminaltoken.Config{})
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(s.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 1 {
		t.Fatalf("keys = %v, want one", set.Keys)
	}
	k := set.Keys[0]
	if k["kty"] != "EC" || k["crv"] != "P-256" || k["alg"] != "ES256" || k["use"] != "sig" || k["kid"] != s.KID() || k["x"] == "" || k["y"] == "" {
		t.Errorf("jwk = %v", k)
	}
	if _, ok := k["d"]; ok {
		t.Error("the JWKS holds the private key")
	}
}

func TestSignRefusesMissingClaims(t *testing.T) {
	t.Parallel()
	s := newSigner(t, terminaltoken.Config{})
	for name, mutate := range map[string]func(*handlers.TerminalClaims){
		"subject": func(c *handlers.TerminalClaims) { c.Subject = "" },
		"tenant":  func(c *handlers.TerminalClaims) { c.Tenant = "" },
		"service": func(c *handlers.TerminalClaims) { c.ServiceID = "" },
		"id":      func(c *handlers.TerminalClaims) { c.ID = "" },
		"scope":   func(c *handlers.TerminalClaims) { c.Scope = "" },
		"jti":     func(c *handlers.TerminalClaims) { c.JTI = "" },
		"version": func(c *handlers.TerminalClaims) { c.KubeconfigVersion = 0 },
	} {
		c := validClaims()
		mutate(&c)
		if tok, _, err := s.Sign(c); err == nil {
			t.Errorf("without %s: signed %s", name, tok)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		cfg     terminaltoken.Config
		wantErr string
	}{
		{name: "defaults", cfg: terminaltoken.Config{}},
		{name: "fifteen minutes", cfg: terminaltoken.Config{TTL: terminaltoken.MaxTTL}},
		{name: "over fifteen minutes", cfg: terminaltoken.Config{TTL: terminaltoken.MaxTTL + time.Second}, wantErr: "REGISTRY_TERMINAL_TOKEN_TTL"},
		{name: "an hour", cfg: terminaltoken.Config{TTL: time.Hour}, wantErr: "REGISTRY_TERMINAL_TOKEN_TTL"},
		{name: "negative", cfg: terminaltoken.Config{TTL: -time.Minute}, wantErr: "REGISTRY_TERMINAL_TOKEN_TTL"},
		{name: "under a second", cfg: terminaltoken.Config{TTL: time.Millisecond}, wantErr: "REGISTRY_TERMINAL_TOKEN_TTL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.cfg.WithDefaults().Validate()
			if tc.wantErr == "" && err != nil {
				t.Fatalf("Validate = %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tc.wantErr)
			}
		})
	}
	err := terminaltoken.Config{TTL: time.Minute, Now: time.Now}.Validate()
	for _, v := range []string{"REGISTRY_TERMINAL_TOKEN_ISSUER", "REGISTRY_TERMINAL_TOKEN_AUDIENCE"} {
		if err == nil || !strings.Contains(err.Error(), v) {
			t.Errorf("Validate without defaults = %v, want it to name %s", err, v)
		}
	}
}
