package auth_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String()
	ln.Close()
	return u
}

// serve answers every request with status and body.
func serve(t *testing.T, status int, body string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// NewVerifier fails closed: no keys at start is an error naming the URL.
func TestNewVerifierFailsClosed(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	down := closedURL(t)
	empty := serve(t, http.StatusOK, `{"keys":[]}`)
	broken := serve(t, http.StatusInternalServerError, `oops`)
	impostor := serve(t, http.StatusOK, `{"issuer":"http://other.example","jwks_uri":"http://other.example/jwks.json"}`)
	tests := []struct {
		name, issuer, jwks, wantInErr string
	}{
		{"JWKS unreachable", o.URL, down + "/jwks.json", down + "/jwks.json"},
		{"discovery unreachable", down, "", down + "/.well-known/openid-configuration"},
		{"JWKS empty", o.URL, empty, empty},
		{"JWKS 500", o.URL, broken, broken},
		{"discovery 500", broken, "", broken + "/.well-known/openid-configuration"},
		{"discovery names another issuer", impostor, "", "http://other.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: tc.issuer, JWKSURL: tc.jwks, Audience: audience})
			if err == nil {
				t.Fatalf("NewVerifier = %v, want an error", v)
			}
			if !strings.Contains(err.Error(), tc.wantInErr) {
				t.Errorf("error %q does not name %q", err, tc.wantInErr)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	ok := auth.Config{Issuer: "https://id.example/realms/x", Audience: "registry"}
	tests := []struct {
		name      string
		edit      func(*auth.Config)
		wantInErr []string
	}{
		{"defaults", func(*auth.Config) {}, nil},
		{"explicit", func(c *auth.Config) {
			c.JWKSURL, c.Leeway, c.Algorithms = "http://id.example/jwks", 2*time.Minute, []string{"RS256", "EdDSA"}
			c.JWKSRefresh = auth.MinJWKSRefresh
		}, nil},
		{"empty", func(c *auth.Config) { *c = auth.Config{} }, []string{"Issuer is required", "Audience is required"}},
		{"bad URLs", func(c *auth.Config) { c.Issuer, c.JWKSURL = "ftp://x", "/jwks" }, []string{"Issuer", "JWKSURL"}},
		{"leeway too large", func(c *auth.Config) { c.Leeway = 3 * time.Minute }, []string{"Leeway"}},
		{"leeway negative", func(c *auth.Config) { c.Leeway = -time.Second }, []string{"Leeway"}},
		{"refresh too short", func(c *auth.Config) { c.JWKSRefresh = time.Millisecond }, []string{"JWKSRefresh"}},
		{"refresh negative", func(c *auth.Config) { c.JWKSRefresh = -time.Minute }, []string{"JWKSRefresh"}},
		{"none", func(c *auth.Config) { c.Algorithms = []string{"none"} }, []string{`"none"`}},
		{"HMAC", func(c *auth.Config) { c.Algorithms = []string{"RS256", "HS256"} }, []string{`"HS256" is symmetric`}},
		{"unknown", func(c *auth.Config) { c.Algorithms = []string{"RS1"} }, []string{`"RS1"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if (err == nil) != (tc.wantInErr == nil) {
				t.Fatalf("Validate = %v", err)
			}
			for _, want := range tc.wantInErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
