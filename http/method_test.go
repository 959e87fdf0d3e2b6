package rest_test

import (
	"net/http"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// A known path with a method it does not serve is 405 with problem
// details, not 404.
func TestWrongMethodIs405(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tok := reg.Token(t, "alice", reg.Tenant(t), "developer")
	for _, path := range []string{"/registry-api/image-pull/secrets", "/registry-api/admin/logs", "/healthz"} {
		r := testkit.Do(t, http.MethodDelete, reg.URL+path, tok, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("DELETE %s: %d %s, want 405 problem details", path, r.Status, r.Header.Get("Content-Type"))
		}
		if r.Header.Get("Allow") == "" {
			t.Errorf("DELETE %s: 405 without an Allow header", path)
		}
	}
	if r := testkit.Do(t, http.MethodDelete, reg.URL+"/registry-api/no-such-thing", tok, nil); r.Status != http.StatusNotFound {
		t.Errorf("unknown path: %d, want 404", r.Status)
	}
}
