package testkit

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// VaultCounter is a reverse proxy in front of a real Vault that records
// every request passing through it, so a test can count the Vault round
// trips one operation costs. Point a client's address at Addr; Vault
// itself answers every request.
type VaultCounter struct {
	Addr string

	mu   sync.Mutex
	seen []string // "METHOD /v1/path", in arrival order
}

// CountVault starts a counting proxy to v, closed when t ends.
func CountVault(t testing.TB, v *Vault) *VaultCounter {
	t.Helper()
	target, err := url.Parse(v.Addr)
	if err != nil {
		t.Fatalf("vault address %q: %v", v.Addr, err)
	}
	c := &VaultCounter{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.seen = append(c.seen, r.Method+" "+r.URL.Path)
		c.mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c.Addr = srv.URL
	return c
}

// Take returns the requests since the last Take whose path contains
// substr ("" for all), and forgets every request so far.
func (c *VaultCounter) Take(substr string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.DeleteFunc(c.seen, func(s string) bool { return !strings.Contains(s, substr) })
	c.seen = nil
	return out
}
