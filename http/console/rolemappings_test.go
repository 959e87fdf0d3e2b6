package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRoleMappings(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)

	admin := newBrowser(t, reg.URL)
	token := csrf(t, signIn(t, admin, iss, "admin@"+tenant, tenant, "admin"))
	bob := "bob@" + tenant
	p := admin.post("/console/admin/roles", url.Values{"csrf": {token}, "action": {"create"}, "principalId": {bob}, "role": {"developer"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("create mapping: %d:\n%s", p.StatusCode, p.body)
	}
	if p := admin.get("/console/admin/roles"); !strings.Contains(p.body, `data-principal="`+bob+`" data-role="DEVELOPER"`) {
		t.Fatalf("the mapping is not listed:\n%s", p.body)
	}
	if p := admin.post("/console/admin/roles", url.Values{"csrf": {token}, "action": {"create"}, "principalId": {bob}, "role": {"developer"}}); p.StatusCode != http.StatusConflict {
		t.Errorf("a second mapping of bob: %d, want 409", p.StatusCode)
	}
	if p := admin.post("/console/admin/roles", url.Values{"csrf": {token}, "action": {"update"}, "principalId": {bob}, "role": {"read-only"}}); p.StatusCode != http.StatusSeeOther {
		t.Errorf("update: %d", p.StatusCode)
	}
	if p := admin.get("/console/admin/roles"); !strings.Contains(p.body, `data-role="READ_ONLY"`) {
		t.Errorf("the update is not listed:\n%s", p.body)
	}
	if p := admin.post("/console/admin/roles", url.Values{"csrf": {token}, "action": {"explode"}}); p.StatusCode != http.StatusBadRequest {
		t.Errorf("an unknown action: %d, want 400", p.StatusCode)
	}

	dev := newBrowser(t, reg.URL)
	devToken := csrf(t, signIn(t, dev, iss, "dev@"+tenant, tenant))
	if p := dev.get("/console/admin/roles"); p.StatusCode != http.StatusForbidden {
		t.Errorf("a non-admin's role mappings page: %d, want 403", p.StatusCode)
	}
	if p := dev.post("/console/admin/roles", url.Values{"csrf": {devToken}, "action": {"delete"}, "principalId": {bob}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("a non-admin's delete: %d, want 403", p.StatusCode)
	}

	other := reg.Tenant(t)
	eve := newBrowser(t, reg.URL)
	signIn(t, eve, iss, "admin@"+other, other, "admin")
	if p := eve.get("/console/admin/roles"); p.StatusCode != http.StatusOK || strings.Contains(p.body, bob) {
		t.Errorf("another tenant's admin: %d, sees bob: %v", p.StatusCode, strings.Contains(p.body, bob))
	}

	if p := admin.post("/console/admin/roles", url.Values{"csrf": {token}, "action": {"delete"}, "principalId": {bob}}); p.StatusCode != http.StatusSeeOther {
		t.Errorf("delete: %d", p.StatusCode)
	}
	if p := admin.get("/console/admin/roles"); strings.Contains(p.body, `data-principal="`+bob+`"`) {
		t.Error("the deleted mapping is still listed")
	}
}
