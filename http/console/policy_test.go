package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// The console reads and changes what the REST API does: the operator's
// policy holds there too. Here it freezes reveals of one secret.
func TestConsolePolicy(t *testing.T) {
	t.Parallel()
	dir := testkit.PolicyDir(t, `package registry.authz

default allow := true

allow := {"allow": false, "reason": "the secret frozen is frozen"} if {
	input.entrypoint == "console"
	input.resource.scope == "image-pull"
	input.resource.name == "frozen"
	input.action == "read"
}
`)
	iss := startStandInIssuer(t)
	reg := testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: iss.URL, Audience: testkit.Audience}
		c.Console.Enabled = true
		c.Policy.Path = dir
	})
	tenant := reg.Tenant(t)
	b := newBrowser(t, reg.URL)
	token := csrf(t, signIn(t, b, iss, "alice@"+tenant, tenant))
	for _, name := range []string{"frozen", "open"} {
		if p := b.post("/console/secrets/image-pull/create", url.Values{"csrf": {token}, "name": {name}, "username": {"u"},
			"password": {"pw-" + name}, "url": {"https://r.example.com"}}); p.StatusCode != http.StatusSeeOther {
			t.Fatalf("create %s: %d:\n%s", name, p.StatusCode, p.body)
		}
	}
	if p := b.post("/console/secrets/image-pull/reveal", url.Values{"csrf": {token}, "name": {"frozen"}}); p.StatusCode != http.StatusForbidden ||
		!strings.Contains(p.body, "the secret frozen is frozen") || strings.Contains(p.body, "pw-frozen") {
		t.Fatalf("reveal of the frozen secret: %d:\n%s", p.StatusCode, p.body)
	}
	if p := b.post("/console/secrets/image-pull/reveal", url.Values{"csrf": {token}, "name": {"open"}}); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "pw-open") {
		t.Fatalf("reveal of another secret: %d", p.StatusCode)
	}
	found := false
	for _, rec := range reg.AuditRecords(t) {
		if rec.Type == events.AuthzPolicyDenied && rec.Tenant == tenant {
			d := string(rec.Data)
			found = strings.Contains(d, `"entrypoint":"console"`) && strings.Contains(d, `"route":"/console/secrets/{scope}/reveal"`) &&
				strings.Contains(d, `"name":"frozen"`) && !strings.Contains(d, "pw-")
		}
	}
	if !found {
		t.Error("no denial record for the console's reveal")
	}
}
