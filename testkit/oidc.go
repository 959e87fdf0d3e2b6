package testkit

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// OIDC is a running oidcissuer on loopback: real keys, real HTTP, so tests
// exercise the same JWKS fetch and signature checks as production.
type OIDC struct {
	*oidcdev.Issuer
	URL      string // issuer URL, also the "iss" of its tokens
	JWKSURL  string
	Audience string

	tokenRequests atomic.Int64
}

// TokenRequests is how many requests its token endpoint has answered, so
// tests can tell a cached exchange from a new one.
func (o *OIDC) TokenRequests() int64 { return o.tokenRequests.Load() }

// StartOIDC starts an issuer minting tokens for audience, stopped by
// t.Cleanup.
func StartOIDC(t testing.TB, audience string) *OIDC {
	t.Helper()
	return StartOIDCWith(t, oidcdev.Options{Audience: audience})
}

// StartOIDCWith starts an issuer with opts (clients, users, TTL…); Issuer is
// set to the listener's URL, which is only known once it listens.
func StartOIDCWith(t testing.TB, opts oidcdev.Options) *OIDC {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("start oidc: %v", err)
	}
	opts.Issuer = "http://" + ln.Addr().String()
	iss, err := oidcdev.New(opts)
	if err != nil {
		ln.Close()
		t.Fatalf("start oidc: %v", err)
	}
	o := &OIDC{Issuer: iss, URL: iss.IssuerURL(), JWKSURL: iss.JWKSURL(), Audience: opts.Audience}
	h := iss.Handler()
	counting := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/token") {
			o.tokenRequests.Add(1)
		}
		h.ServeHTTP(w, r)
	})
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: counting}}
	srv.Start()
	t.Cleanup(srv.Close)
	return o
}

// Token mints a valid token for subject in groups (the first is the tenant)
// with roles.
func (o *OIDC) Token(t testing.TB, subject string, groups []string, roles ...string) string {
	t.Helper()
	tok, err := o.Mint(oidcdev.Claims{Subject: subject, Groups: groups, Roles: roles})
	if err != nil {
		t.Fatalf("oidc token: %v", err)
	}
	return tok
}
