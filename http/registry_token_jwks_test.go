package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// GET /token/jwks.json serves the public half of the key /token signs
// with, and nothing else: a token issued by /token verifies with it, for
// either algorithm, and no JWK member of a private key is in it.
func TestRegistryTokenJWKSVerifiesIssuedTokens(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{registrytoken.AlgRS256, registrytoken.AlgES256} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			reg := testkit.StartRegistry(t, func(c *app.Config) {
				c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{})
				c.RegistryToken.Signing.Algorithm = alg
			})
			tenant := reg.Tenant(t)
			req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?service=registry&scope=repository:"+tenant+"/app:pull", nil)
			req.SetBasicAuth("alice", reg.Token(t, "alice", tenant, "developer"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var issued struct {
				Token string `json:"token"`
			}
			_ = json.NewDecoder(resp.Body).Decode(&issued)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || issued.Token == "" {
				t.Fatalf("GET /token: %d, token %v", resp.StatusCode, issued.Token != "")
			}

			jwks := testkit.Do(t, http.MethodGet, reg.URL+"/token/jwks.json", "", nil)
			if jwks.Status != http.StatusOK || jwks.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("GET /token/jwks.json: %d %s", jwks.Status, jwks.Header.Get("Content-Type"))
			}
			if cc := jwks.Header.Get("Cache-Control"); cc != "public, max-age=300" {
				t.Errorf("Cache-Control = %q, want public, max-age=300", cc)
			}
			var set struct {
				Keys []map[string]any `json:"keys"`
			}
			if err := json.Unmarshal(jwks.Body, &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("JWKS %s: %v, want one key", jwks.Body, err)
			}
			// RFC 7518 §6.2.2 and §6.3.2: the private members of EC and RSA
			// keys; §6.4.1: a symmetric key's.
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"} {
				if _, ok := set.Keys[0][private]; ok {
					t.Errorf("the JWKS holds private member %q", private)
				}
			}
			kf, err := keyfunc.NewJWKSetJSON(jwks.Body)
			if err != nil {
				t.Fatalf("JWKS: %v", err)
			}
			token, err := jwt.Parse(issued.Token, kf.Keyfunc, jwt.WithValidMethods([]string{alg}))
			if err != nil || !token.Valid {
				t.Fatalf("the token /token issued does not verify with /token/jwks.json: %v", err)
			}
			if kid := token.Header["kid"]; kid != set.Keys[0]["kid"] {
				t.Errorf("token kid %v, JWKS kid %v", kid, set.Keys[0]["kid"])
			}
		})
	}
}

// Without the token service neither /token nor its JWKS is a route.
func TestRegistryTokenJWKSOnlyWithTheTokenService(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/token/jwks.json", "", nil); r.Status != http.StatusNotFound {
		t.Errorf("GET /token/jwks.json with the token service off: %d, want 404", r.Status)
	}
}
