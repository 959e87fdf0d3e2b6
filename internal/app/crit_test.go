package app_test

import (
	"net/http"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// A validly signed token with a JWS "crit" header (RFC 7515 §4.1.11) is
// refused on the REST API and at the registry token service's /token, which
// share registryd's one verifier; the same claims without the header are
// accepted on both. (The Kafka listeners: southbound's TestBadRecords.)
func TestCritHeaderRefusedOnEveryEntryPoint(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{}) })
	tenant := reg.Tenant(t)
	claims := oidcdev.Claims{Subject: "alice", Groups: []string{tenant}, Roles: []string{"developer"}}
	plain, err := reg.OIDC.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	claims.Header = map[string]any{"crit": []string{"exp"}}
	crit, err := reg.OIDC.Mint(claims)
	if err != nil {
		t.Fatal(err)
	}
	rest := func(tok string) int {
		return testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/image-pull/secret/absent", tok, nil).Status
	}
	token := func(tok string) int {
		req, err := http.NewRequest(http.MethodGet, reg.URL+"/token?service=registry&scope=repository:"+tenant+"/app:pull", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("alice", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := rest(plain); got != http.StatusNotFound {
		t.Errorf("REST, control token: %d, want 404", got)
	}
	if got := rest(crit); got != http.StatusUnauthorized {
		t.Errorf("REST, crit token: %d, want 401", got)
	}
	if got := token(plain); got != http.StatusOK {
		t.Errorf("/token, control token: %d, want 200", got)
	}
	if got := token(crit); got != http.StatusUnauthorized {
		t.Errorf("/token, crit token: %d, want 401", got)
	}
}
