package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLogLevel(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)

	admin := newBrowser(t, reg.URL)
	signIn(t, admin, iss, "admin@"+tenant, tenant, "admin")
	if p := admin.get("/console/admin/logs"); p.StatusCode != http.StatusForbidden {
		t.Errorf("a tenant admin's log-level page: %d, want 403 (the platform admin's)", p.StatusCode)
	}

	root := newBrowser(t, reg.URL)
	home := signIn(t, root, iss, "root@"+tenant, tenant, "platform-admin")
	if p := root.get("/console/admin/logs"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, `data-test="log-level">DEBUG<`) {
		t.Fatalf("platform admin's log-level page %d:\n%s", p.StatusCode, p.body)
	}
	token := csrf(t, home)
	if p := root.post("/console/admin/logs", url.Values{"csrf": {token}, "level": {"LOUD"}}); p.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown level: %d, want 400", p.StatusCode)
	}
	if p := root.post("/console/admin/logs", url.Values{"csrf": {token}, "level": {"WARN"}}); p.StatusCode != http.StatusSeeOther {
		t.Fatalf("set WARN: %d", p.StatusCode)
	}
	if p := root.get("/console/admin/logs"); !strings.Contains(p.body, `data-test="log-level">WARN<`) {
		t.Errorf("after setting WARN:\n%s", p.body)
	}
	if !strings.Contains(string(reg.Logs.Bytes()), `"by":"root@`+tenant+`"`) {
		t.Error("no log line names who changed the level")
	}
}
