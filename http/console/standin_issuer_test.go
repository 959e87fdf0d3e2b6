package console_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// standInIssuer is a STAND-IN for the dev issuer's login page and
// authorization-code grant, which are being built on another branch: it
// auto-approves a fixed user (set with approve) without a login page. Its
// keys, JWKS and minted tokens are the real oidcdev issuer's, so the
// console's side of the flow (PKCE S256, state, the code exchange, the
// token verification) is exercised for real. It checks what a real issuer
// checks of the console: the client id, the redirect URI and the PKCE
// verifier against the challenge.
type standInIssuer struct {
	*oidcdev.Issuer
	URL string

	mu      sync.Mutex
	subject string
	tenant  string
	roles   []string
	ttl     time.Duration // of the tokens it mints; 0: the issuer's default
	codes   map[string]grant
}

type grant struct {
	clientID, redirectURI, challenge string
	subject, tenant                  string
	roles                            []string
	ttl                              time.Duration
}

const consoleClient = "registry-console"

func startStandInIssuer(t *testing.T) *standInIssuer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: testkit.Audience})
	if err != nil {
		t.Fatal(err)
	}
	s := &standInIssuer{Issuer: iss, URL: iss.IssuerURL(), codes: map[string]grant{}}
	real := iss.Handler()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("grant_type") == "authorization_code" {
			s.exchange(w, r)
			return
		}
		real.ServeHTTP(w, r)
	})
	mux.Handle("/", real)
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: mux}}
	srv.Start()
	t.Cleanup(srv.Close)
	return s
}

// shortLived makes the next sign-ins' tokens live for ttl.
func (s *standInIssuer) shortLived(ttl time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = ttl
}

// approve makes subject of tenant, with roles, the user the next sign-ins
// approve.
func (s *standInIssuer) approve(subject, tenant string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.subject, s.tenant, s.roles = subject, tenant, roles
}

func (s *standInIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": s.URL, "jwks_uri": s.JWKSURL(), "token_endpoint": s.TokenURL(),
		"authorization_endpoint":           s.URL + "/authorize",
		"response_types_supported":         []string{"code"},
		"code_challenge_methods_supported": []string{"S256"},
	})
}

func (s *standInIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("response_type") != "code" || q.Get("client_id") != consoleClient ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
		http.Error(w, "stand-in issuer: bad authorization request "+r.URL.RawQuery, http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Path != "/console/callback" {
		http.Error(w, "stand-in issuer: bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := randomString()
	s.mu.Lock()
	s.codes[code] = grant{clientID: consoleClient, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), subject: s.subject, tenant: s.tenant, roles: s.roles, ttl: s.ttl}
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *standInIssuer) exchange(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	g, ok := s.codes[r.FormValue("code")]
	delete(s.codes, r.FormValue("code")) // one use
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
	client := r.FormValue("client_id")
	if id, _, basic := r.BasicAuth(); basic {
		client = id
	}
	switch {
	case !ok:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	case client != g.clientID || r.FormValue("redirect_uri") != g.redirectURI:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "client or redirect_uri"})
		return
	case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "PKCE verifier"})
		return
	}
	tok, err := s.Mint(oidcdev.Claims{Subject: g.subject, Groups: []string{g.tenant}, Roles: g.roles, TTL: g.ttl})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	expires := 3600
	if g.ttl > 0 {
		expires = int(g.ttl / time.Second)
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": expires})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
