package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
)

func TestAuditTrail(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)

	// A developer creates and reveals a secret.
	dev := newBrowser(t, reg.URL)
	home := signIn(t, dev, iss, "dev@"+tenant, tenant)
	token := csrf(t, home)
	const password = "audit-page-value-0c4d"
	if p := dev.post("/console/secrets/image-pull/create", url.Values{"csrf": {token}, "name": {"audited"}, "username": {"u"}, "password": {password}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d:\n%s", p.StatusCode, p.body)
	}
	if p := dev.post("/console/secrets/image-pull/reveal", url.Values{"csrf": {token}, "name": {"audited"}}); p.StatusCode != http.StatusOK {
		t.Fatalf("reveal: %d", p.StatusCode)
	}
	// Not an admin: the audit trail is refused, as on the REST API.
	if p := dev.get("/console/audit"); p.StatusCode != http.StatusForbidden {
		t.Errorf("a developer's audit page: %d, want 403", p.StatusCode)
	}

	// The tenant admin sees the reveal, filtered by type and subject, with
	// its chain position; the chain's verification is the platform admin's.
	admin := newBrowser(t, reg.URL)
	signIn(t, admin, iss, "admin@"+tenant, tenant, "admin")
	q := url.Values{"type": {events.ImagePullSecretRead}, "subject": {tenant + "/image-pull/audited"}, "since": {""}, "until": {""}}
	p := admin.get("/console/audit?" + q.Encode())
	if p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-type="`+events.ImagePullSecretRead+`"`) ||
		!strings.Contains(p.body, `data-test="audit-index"`) || !strings.Contains(p.body, `data-test="chain-unavailable"`) {
		t.Fatalf("tenant admin's audit page %d:\n%s", p.StatusCode, p.body)
	}
	if strings.Contains(p.body, events.ImagePullSecretCreated) {
		t.Error("the type filter let a create through")
	}
	if strings.Contains(p.body, password) {
		t.Error("the audit page shows the secret value")
	}
	if p := admin.get("/console/audit?since=yesterday"); p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "RFC 3339") {
		t.Errorf("a bad time: %d, want 400 naming the format:\n%s", p.StatusCode, p.body)
	}

	// Another tenant's admin sees none of it.
	other := reg.Tenant(t)
	eve := newBrowser(t, reg.URL)
	signIn(t, eve, iss, "admin@"+other, other, "admin")
	if p := eve.get("/console/audit"); p.StatusCode != http.StatusOK || strings.Contains(p.body, tenant) {
		t.Errorf("another tenant's admin: %d, sees %s's records: %v", p.StatusCode, tenant, strings.Contains(p.body, tenant))
	}

	// The platform admin sees the chain verified.
	root := newBrowser(t, reg.URL)
	signIn(t, root, iss, "root@"+other, other, "platform-admin")
	if p := root.get("/console/audit"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-test="chain-ok"`) {
		t.Errorf("platform admin's audit page %d:\n%s", p.StatusCode, p.body)
	}
}
