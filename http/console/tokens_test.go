package console_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

func TestTokenService(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: iss.URL, Audience: testkit.Audience}
		c.Console.Enabled = true
		c.RegistryToken = registrytoken.DevDefaults(registrytoken.Config{})
	})
	tenant := reg.Tenant(t)
	bearer, err := iss.Mint(oidcdev.Claims{Subject: "ci@" + tenant, Groups: []string{tenant}})
	if err != nil {
		t.Fatal(err)
	}
	// One token issued, one request refused, on the token protocol.
	for _, pw := range []string{bearer, "not-a-token"} {
		req, _ := http.NewRequest(http.MethodGet, reg.URL+"/token?service=registry&scope=repository:"+tenant+"/app:pull", nil)
		req.SetBasicAuth("ci", pw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	admin := newBrowser(t, reg.URL)
	signIn(t, admin, iss, "admin@"+tenant, tenant, "admin")
	if p := admin.get("/console/admin/tokens"); p.StatusCode != http.StatusForbidden {
		t.Errorf("a tenant admin's token-service page: %d, want 403", p.StatusCode)
	}
	root := newBrowser(t, reg.URL)
	signIn(t, root, iss, "root@"+tenant, tenant, "platform-admin")
	p := root.get("/console/admin/tokens")
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-test="token-plan"`) {
		t.Fatalf("token-service page %d:\n%s", p.StatusCode, p.body)
	}
	sum := func(test string) float64 {
		var n float64
		for _, m := range regexp.MustCompile(`data-test="`+test+`">([0-9.e+]+)<`).FindAllStringSubmatch(p.body, -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			n += v
		}
		return n
	}
	if issued, rejected := sum("issued-count"), sum("rejected-count"); issued != 1 || rejected != 1 {
		t.Errorf("issued %v, rejected %v; want 1 and 1:\n%s", issued, rejected, p.body)
	}
}
