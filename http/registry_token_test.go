package rest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// Refresh tokens of the registry token service are revoked over REST, in
// the caller's tenant only: by the subject itself or an admin.
func TestRegistryRefreshTokenRevocation(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t, func(c *app.Config) { c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{}) })
	tenant, other := reg.Tenant(t), reg.Tenant(t)
	alice := reg.Token(t, "alice", tenant, "developer")
	bob := reg.Token(t, "bob", tenant, "developer")
	otherAdmin := reg.Token(t, "root", other, "admin")

	req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?service=registry&offline_token=true&scope=repository:"+tenant+"/app:pull", nil)
	req.SetBasicAuth("alice", alice)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var issued struct {
		RefreshToken string `json:"refresh_token"`
	}
	json.NewDecoder(resp.Body).Decode(&issued)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || issued.RefreshToken == "" {
		t.Fatalf("offline token: %d, refresh token %v", resp.StatusCode, issued.RefreshToken != "")
	}
	refresh := func() int {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {issued.RefreshToken}, "service": {"registry"}}
		resp, err := http.Post(reg.URL+"/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := refresh(); got != http.StatusOK {
		t.Fatalf("refresh grant before revocation: %d", got)
	}
	revoke := func(token, subject string) (int, int) {
		r := testkit.Do(t, http.MethodPost, reg.URL+"/registry-api/registry-token/revoke", token, []byte(`{"subject":"`+subject+`"}`))
		var n struct{ Revoked int }
		json.Unmarshal(r.Body, &n)
		return r.Status, n.Revoked
	}
	aliceSub := "alice@" + tenant
	if status, _ := revoke(bob, aliceSub); status != http.StatusForbidden {
		t.Errorf("another member revoking alice's tokens: %d, want 403", status)
	}
	if status, n := revoke(otherAdmin, aliceSub); status != http.StatusOK || n != 0 {
		t.Errorf("another tenant's admin: %d revoked %d, want 200 and 0", status, n)
	}
	if got := refresh(); got != http.StatusOK {
		t.Errorf("refresh grant after refused revocations: %d", got)
	}
	if status, n := revoke(alice, aliceSub); status != http.StatusOK || n != 1 {
		t.Errorf("alice revoking her own: %d revoked %d, want 200 and 1", status, n)
	}
	if got := refresh(); got != http.StatusUnauthorized {
		t.Errorf("refresh grant after revocation: %d, want 401", got)
	}
	// With the token service off the route says so.
	plain := testkit.StartRegistry(t)
	if r := testkit.Do(t, http.MethodPost, plain.URL+"/registry-api/registry-token/revoke", plain.Token(t, "x", plain.Tenant(t)), []byte(`{"subject":"x"}`)); r.Status != http.StatusNotFound {
		t.Errorf("revocation with the token service off: %d, want 404", r.Status)
	}
}
