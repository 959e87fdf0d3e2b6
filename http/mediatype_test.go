package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// TestBodyMediaType: a JSON body is taken as application/json (any case,
// any parameters) or merge-patch JSON, or with no Content-Type at all;
// any other type, or one that does not parse, is 415 and writes nothing.
func TestBodyMediaType(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	for i, c := range []struct {
		contentType string
		want        int
	}{
		{"application/json", http.StatusCreated},
		{"application/json; charset=utf-8", http.StatusCreated},
		{"Application/JSON", http.StatusCreated},
		{"application/merge-patch+json", http.StatusCreated},
		{"", http.StatusCreated},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"application/jsonx", http.StatusUnsupportedMediaType},
		{"application/json; charset", http.StatusUnsupportedMediaType},
		{"application/json ; x=\"", http.StatusUnsupportedMediaType},
	} {
		url := fmt.Sprintf("%s/registry-api/image-pull/secret/media%d", reg.URL, i)
		r := testkit.Do(t, http.MethodPost, url, tok, []byte(`{"username":"u","password":"p"}`), "Content-Type", c.contentType)
		if r.Status != c.want {
			t.Errorf("Content-Type %q: status %d %s, want %d", c.contentType, r.Status, r.Body, c.want)
		}
		if c.want != http.StatusCreated {
			if got := testkit.Do(t, http.MethodGet, url, tok, nil); got.Status != http.StatusNotFound {
				t.Errorf("Content-Type %q refused, yet the secret reads %d", c.contentType, got.Status)
			}
		}
	}
}
