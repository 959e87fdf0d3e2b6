package respond_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/hypo-registry/registry/http/respond"
)

// TestSharedValuesStayTheSame: every answer shares the values of the
// headers it always carries, so a handler adding to one of them must
// change neither the value other answers carry nor what they added.
func TestSharedValuesStayTheSame(t *testing.T) {
	h := respond.CSP(respond.NoStore(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		respond.JSON(w.Header())
		if add := r.URL.Query().Get("add"); add != "" {
			for _, k := range []string{"Cache-Control", "Content-Security-Policy", "Content-Type", "X-Content-Type-Options"} {
				w.Header().Add(k, add)
			}
		}
		_, _ = w.Write([]byte("{}"))
	})))
	want := http.Header{
		"Cache-Control":           {"no-store"},
		"Content-Security-Policy": {respond.ContentSecurityPolicy},
		"Content-Type":            {"application/json"},
		"X-Content-Type-Options":  {"nosniff"},
	}
	// The recorder's own map, not Result's copy: the slices as set.
	serve := func(target string) http.Header {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		return rec.Header()
	}
	a, b, plain := serve("/?add=a"), serve("/?add=b"), serve("/")
	for k, v := range want {
		if got := a[k]; !slices.Equal(got, append(slices.Clone(v), "a")) {
			t.Errorf("first answer, after a second one added b: %s = %q, want %q and a", k, got, v)
		}
		if got := b[k]; !slices.Equal(got, append(slices.Clone(v), "b")) {
			t.Errorf("second answer: %s = %q, want %q and b", k, got, v)
		}
		if got := plain[k]; !slices.Equal(got, v) {
			t.Errorf("answer after two Adds: %s = %q, want %q", k, got, v)
		}
	}
}
