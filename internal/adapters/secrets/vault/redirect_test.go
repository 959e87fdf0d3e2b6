package vault_test

import (
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// TestReadsFollowAStandbysRedirect: a Vault standby may answer 307 with the
// active node's address. Reads and lists, made without the API client,
// hand such an answer to it, which follows one redirect, as writes do.
func TestReadsFollowAStandbysRedirect(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	var redirected atomic.Int64
	standby := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected.Add(1)
		http.Redirect(w, r, v.Addr+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(standby.Close)
	c := callerFor(t, v)("redirect")
	p := mustPath(t, "redirect", "s")
	write(t, newStore(t, v), c, p, "v1")

	s := newStore(t, v, func(cfg *vault.Config) { cfg.Addr = standby.URL })
	before := redirected.Load()
	sec, err := s.Read(t.Context(), c, p, 0)
	if err != nil || sec.Data["k"] != "v1" {
		t.Fatalf("Read through a standby: %v, %v", sec.Data, err)
	}
	names, err := s.List(t.Context(), c, secretpath.ImagePull, "redirect")
	if err != nil || len(names) != 1 || names[0] != "s" {
		t.Fatalf("List through a standby: %q, %v", names, err)
	}
	// The login, the read and the list each met the standby first.
	if got := redirected.Load() - before; got < 2 {
		t.Errorf("%d requests redirected, want the read and the list at least", got)
	}
}

// TestReadAnsweredByAProxyError: an answer that is not Vault's (a proxy's
// HTML 502) is ErrUnavailable, not a decoding failure of the secret, and
// says the status.
func TestReadAnsweredByAProxyError(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	c := callerFor(t, v)("proxy-error")
	var logins atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v1/auth/") || r.URL.Path == "/v1/sys/health" {
			if r.URL.Path != "/v1/sys/health" {
				logins.Add(1)
			}
			http.Redirect(w, r, v.Addr+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	}))
	t.Cleanup(proxy.Close)
	s := newStore(t, v, func(cfg *vault.Config) { cfg.Addr = proxy.URL; cfg.MaxRetries = 0 })
	_, err := s.Read(t.Context(), c, mustPath(t, "proxy-error", "s"), 0)
	if !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Read through a failing proxy: %v, want ErrUnavailable naming 502", err)
	}
	if logins.Load() == 0 {
		t.Error("the proxy saw no login: the read failed before reaching it")
	}
}

// TestReadsOverTLS: with Vault behind TLS (a reverse proxy with its own
// certificate) and the CA file given, reads and lists, made without the API
// client, and writes, made with it, all reach Vault. (A Reader without
// the CA file is refused: internal/adapters/vaultconn's TestReaderOverTLS.)
func TestReadsOverTLS(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	target, err := url.Parse(v.Addr)
	if err != nil {
		t.Fatal(err)
	}
	var reads atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/hypo/") {
			reads.Add(1)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	c := callerFor(t, v)("over-tls")
	p := mustPath(t, "over-tls", "s")
	s := newStore(t, v, func(cfg *vault.Config) { cfg.Addr, cfg.CACert = front.URL, ca })
	write(t, s, c, p, "v1")
	sec, err := s.Read(t.Context(), c, p, 0)
	if err != nil || sec.Data["k"] != "v1" {
		t.Fatalf("Read over TLS: %v, %v", sec.Data, err)
	}
	names, err := s.List(t.Context(), c, secretpath.ImagePull, "over-tls")
	if err != nil || len(names) != 1 || names[0] != "s" {
		t.Fatalf("List over TLS: %q, %v", names, err)
	}
	if reads.Load() < 2 {
		t.Errorf("%d GETs reached Vault through the TLS front, want the read and the list", reads.Load())
	}

}

// TestReadOfATruncatedAnswer: a data read whose 200 answer is cut short (a
// proxy dropping the connection mid-body) is ErrUnavailable, and the
// error quotes none of the answer: what came through may be the secret.
// The proxy passes the real Vault's answer on, less its last bytes.
func TestReadOfATruncatedAnswer(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	c := callerFor(t, v)("truncated")
	p := mustPath(t, "truncated", "s")
	const secret = "hunter2-hunter2-hunter2"
	write(t, newStore(t, v), c, p, secret)
	target, _ := url.Parse(v.Addr)
	real := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/data/") {
			real.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		real.ServeHTTP(rec, r)
		body := rec.Body.String()
		at := strings.Index(body, secret)
		if at < 0 {
			t.Errorf("the real answer does not hold the secret: %s", body)
			at = len(body) - len(secret)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(body[:at+len(secret)])) // cut short just after the secret
	}))
	t.Cleanup(proxy.Close)
	s := newStore(t, v, func(cfg *vault.Config) { cfg.Addr = proxy.URL; cfg.MaxRetries = 0 })
	_, err := s.Read(t.Context(), c, p, 0)
	if !errors.Is(err, handlers.ErrUnavailable) {
		t.Fatalf("Read of a truncated answer: %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("the error quotes the answer: %v", err)
	}
}

// TestListOfRewrittenAnswers: a list reads the real answer's names in its
// one pass, answers a truncated answer with ErrUnavailable, and one without
// data with ErrNotFound, as the two-pass decoding it replaced did.
func TestListOfRewrittenAnswers(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	c := callerFor(t, v)("rewritten")
	for _, name := range []string{"b", "a"} {
		write(t, newStore(t, v), c, mustPath(t, "rewritten", name), "v")
	}
	target, _ := url.Parse(v.Addr)
	real := httputil.NewSingleHostReverseProxy(target)
	var rewrite atomic.Value // func(string) string
	rewrite.Store(func(s string) string { return s })
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("list") != "true" {
			real.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		real.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rec.Code)
		_, _ = w.Write([]byte(rewrite.Load().(func(string) string)(rec.Body.String())))
	}))
	t.Cleanup(proxy.Close)
	s := newStore(t, v, func(cfg *vault.Config) { cfg.Addr = proxy.URL; cfg.MaxRetries = 0 })

	names, err := s.List(t.Context(), c, secretpath.ImagePull, "rewritten")
	if err != nil || !slices.Equal(names, []string{"a", "b"}) {
		t.Fatalf("List through the proxy = %v, %v; want [a b]", names, err)
	}
	rewrite.Store(func(s string) string { return s[:strings.Index(s, `"keys"`)+12] })
	if _, err := s.List(t.Context(), c, secretpath.ImagePull, "rewritten"); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("List of a truncated answer: %v, want ErrUnavailable", err)
	}
	rewrite.Store(func(s string) string {
		return regexp.MustCompile(`"data":\{[^}]*\}`).ReplaceAllString(s, `"data":null`)
	})
	if _, err := s.List(t.Context(), c, secretpath.ImagePull, "rewritten"); !errors.Is(err, handlers.ErrNotFound) {
		t.Errorf("List of an answer without data: %v, want ErrNotFound", err)
	}
}
