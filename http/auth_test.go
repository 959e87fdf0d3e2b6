package rest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// TestBadTokensAreRefused sends one request per kind of bad token; each must
// be 401 with problem details, and nothing may be stored.
func TestBadTokensAreRefused(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	good := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	mint := func(c oidcdev.Claims) string {
		tok, err := reg.OIDC.Mint(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	key, kid := reg.OIDC.SigningKey()
	claims := jwt.MapClaims{
		"iss": reg.OIDC.URL, "aud": testkit.Audience, "sub": "alice", "groups": []string{"tenant-a"},
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(),
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&key.PublicKey))})
	hsTok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	hsTok.Header["kid"] = kid
	hs256, err := hsTok.SignedString(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	unknownTok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	unknownTok.Header["kid"] = "not-in-the-jwks"
	unknownKid, err := unknownTok.SignedString(stranger)
	if err != nil {
		t.Fatal(err)
	}
	sameKidOtherKey := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	sameKidOtherKey.Header["kid"] = kid
	forged, err := sameKidOtherKey.SignedString(stranger)
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]string{
		"alg none":                  none,
		"HS256 with the public key": hs256,
		"expired":                   mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, IssuedAt: time.Now().Add(-2 * time.Hour), NotBefore: time.Now().Add(-2 * time.Hour), TTL: time.Hour}),
		"not yet valid":             mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, NotBefore: time.Now().Add(time.Hour)}),
		"wrong iss":                 mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Extra: map[string]any{"iss": "https://evil.example"}}),
		"wrong aud":                 mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Audience: []string{"another-api"}}),
		"unknown kid":               unknownKid,
		"known kid other key":       forged,
		"tampered payload":          tamper(t, good),
		"no groups":                 mint(oidcdev.Claims{Subject: "alice"}),
		"no exp":                    mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, Extra: map[string]any{"exp": nil}}),
		"garbage":                   "not.a.jwt",
	}
	url := reg.URL + "/registry-api/image-pull/secret/should-not-exist"
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := testkit.Do(t, http.MethodPost, url, tok, []byte(seedImagePullBody))
			if r.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401; body %s", r.Status, r.Body)
			}
			if r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("headers %v: want problem+json and WWW-Authenticate", r.Header)
			}
			if strings.Contains(string(r.Body), tok) {
				t.Errorf("the problem echoes the token")
			}
		})
	}
	for name, header := range map[string]string{"no header": "", "basic scheme": "Basic YWxpY2U6cHc=", "empty bearer": "Bearer "} {
		req, _ := http.NewRequest(http.MethodGet, reg.URL+"/registry-api/image-pull/secrets", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", name, resp.StatusCode)
		}
	}
	t.Cleanup(func() {
		if r := testkit.Do(t, http.MethodGet, url, good, nil); r.Status != http.StatusNotFound {
			t.Errorf("a refused token stored something: status %d", r.Status)
		}
	})
}

func TestAdminLogLevel(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	// The level is the whole process's: a platform admin's, not a tenant admin's.
	admin := reg.OIDC.Token(t, "root", []string{"tenant-a"}, "platform-admin")
	tenantAdmin := reg.OIDC.Token(t, "tom", []string{"tenant-a"}, "admin")
	dev := reg.OIDC.Token(t, "alice", []string{"tenant-a"}, "developer")
	url := reg.URL + "/registry-api/admin/logs"
	if r := testkit.Do(t, http.MethodPut, url, dev, []byte(`{"level":"ERROR"}`)); r.Status != http.StatusForbidden {
		t.Errorf("developer changing the level: status %d, want 403", r.Status)
	}
	if r := testkit.Do(t, http.MethodPut, url, tenantAdmin, []byte(`{"level":"ERROR"}`)); r.Status != http.StatusForbidden {
		t.Errorf("tenant admin changing the level: status %d, want 403", r.Status)
	}
	if r := testkit.Do(t, http.MethodPut, url, admin, []byte(`{"level":"LOUD"}`)); r.Status != http.StatusBadRequest {
		t.Errorf("unknown level: status %d, want 400", r.Status)
	}
	if r := testkit.Do(t, http.MethodPut, url, admin, []byte(`{"level":"warn"}`)); r.Status != http.StatusOK {
		t.Fatalf("admin: status %d %s", r.Status, r.Body)
	}
	var got struct{ Level, Instance, Scope string }
	r := testkit.Do(t, http.MethodGet, url, admin, nil)
	r.JSON(t, &got)
	if got.Level != "WARN" || got.Scope != "instance" || got.Instance == "" {
		t.Errorf("GET %s = %+v, want WARN, scope instance, the instance's id", url, got)
	}
	// An answer sent back as it came is accepted.
	if r := testkit.Do(t, http.MethodPut, url, admin, r.Body); r.Status != http.StatusOK {
		t.Errorf("PUT of the GET answer: status %d %s", r.Status, r.Body)
	}
	// Effective immediately: an INFO access-log line is no longer written.
	before := strings.Count(string(reg.Logs.Bytes()), `"msg":"http request"`)
	testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secrets", dev, nil)
	if after := strings.Count(string(reg.Logs.Bytes()), `"msg":"http request"`); after != before {
		t.Errorf("INFO access lines still written after switching to WARN (%d -> %d)", before, after)
	}
}

func tamper(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	claims["groups"] = []string{"tenant-b"}
	b, _ := json.Marshal(claims)
	parts[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(parts, ".")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
