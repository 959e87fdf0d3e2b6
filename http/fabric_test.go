package rest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/testkit"
)

// A Fabric Ziti credential body (seed 000: keys username and password).
const fabricBody = `{
  "username": "ziti-admin",
  "password": "ziti-password"
}`

func TestFabricLifecycle(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testFabricLifecycle)
}

func testFabricLifecycle(t *testing.T, reg *testkit.Registry) {
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/fabric"
	const id = "ctrl-7aa45064"

	created := testkit.Do(t, http.MethodPost, base+"/secret/"+id, tok, []byte(fabricBody))
	if created.Status != http.StatusCreated {
		t.Fatalf("POST: status %d, body %s", created.Status, created.Body)
	}
	if got := created.Header.Get("Location"); got != "/registry-api/fabric/secret/"+id {
		t.Errorf("Location = %q", got)
	}
	if strings.Contains(string(created.Body), "ziti-password") {
		t.Errorf("create reply carries the password: %s", created.Body)
	}
	read := testkit.Do(t, http.MethodGet, base+"/secret/"+id, tok, nil)
	if read.Status != http.StatusOK {
		t.Fatalf("GET: status %d, body %s", read.Status, read.Body)
	}
	var got credential
	read.JSON(t, &got)
	want := credential{Name: id, Username: "ziti-admin", Password: "ziti-password", Version: 1}
	if got != want {
		t.Errorf("GET = %+v, want %+v", got, want)
	}
	if strings.Contains(string(read.Body), `"url"`) {
		t.Errorf("a Fabric credential has no url: %s", read.Body)
	}
	if cc := read.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control on a secret = %q, want no-store", cc)
	}
	if dup := testkit.Do(t, http.MethodPost, base+"/secret/"+id, tok, []byte(fabricBody)); dup.Status != http.StatusConflict {
		t.Errorf("POST over an existing id: status %d, want 409", dup.Status)
	}
	if r := testkit.Do(t, http.MethodPost, base+"/secret/ctrl-2", tok, []byte(fabricBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST ctrl-2: status %d, body %s", r.Status, r.Body)
	}
	var ids []string
	testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil).JSON(t, &ids)
	if !slices.Equal(ids, []string{id, "ctrl-2"}) && !slices.Equal(ids, []string{"ctrl-2", id}) {
		t.Errorf("list = %v", ids)
	}

	if r := testkit.Do(t, http.MethodPatch, base+"/secret/"+id, tok, []byte(`{"password":"rotated-ziti"}`)); r.Status != http.StatusOK {
		t.Fatalf("PATCH: status %d, body %s", r.Status, r.Body)
	}
	testkit.Do(t, http.MethodGet, base+"/secret/"+id, tok, nil).JSON(t, &got)
	want.Password, want.Version = "rotated-ziti", 2
	if got != want {
		t.Errorf("after PATCH = %+v, want %+v", got, want)
	}
	if r := testkit.Do(t, http.MethodPatch, base+"/secret/"+id, tok, []byte(`{"url":"https://x"}`)); r.Status != http.StatusBadRequest {
		t.Errorf("PATCH with url: status %d, want 400", r.Status)
	}
	if r := testkit.Do(t, http.MethodPatch, base+"/secret/"+id, tok, []byte(`{}`)); r.Status != http.StatusBadRequest {
		t.Errorf("PATCH of nothing: status %d, want 400", r.Status)
	}

	if del := testkit.Do(t, http.MethodDelete, base+"/secret/"+id, tok, nil); del.Status != http.StatusNoContent {
		t.Fatalf("DELETE: status %d, body %s", del.Status, del.Body)
	}
	if gone := testkit.Do(t, http.MethodGet, base+"/secret/"+id, tok, nil); gone.Status != http.StatusNotFound {
		t.Errorf("GET after DELETE: status %d, want 404", gone.Status)
	}
	if again := testkit.Do(t, http.MethodDelete, base+"/secret/"+id, tok, nil); again.Status != http.StatusNotFound {
		t.Errorf("DELETE of a deleted secret: status %d, want 404", again.Status)
	}
	assertAudited(t, reg, tenant, []string{
		events.FabricSecretCreated, events.FabricSecretRead, events.FabricSecretUpdated,
		events.FabricSecretDeleted, events.FabricSecretsListed,
	}, "ziti-password", "rotated-ziti")
}

func TestFabricOtherTenantSeesNothing(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testFabricOtherTenantSeesNothing)
}

func testFabricOtherTenantSeesNothing(t *testing.T, reg *testkit.Registry) {
	alice := reg.Token(t, "alice", reg.Tenant(t), "developer")
	mallory := reg.Token(t, "mallory", reg.Tenant(t), "admin")
	url := reg.URL + "/registry-api/fabric/secret/shared-ctrl"
	if r := testkit.Do(t, http.MethodPost, url, alice, []byte(fabricBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	for _, m := range []struct{ method, body string }{
		{http.MethodGet, ""}, {http.MethodPatch, `{"password":"stolen"}`}, {http.MethodDelete, ""},
	} {
		var body []byte
		if m.body != "" {
			body = []byte(m.body)
		}
		r := testkit.Do(t, m.method, url, mallory, body)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s as another tenant: status %d, want 404", m.method, r.Status)
		}
		if strings.Contains(string(r.Body), "ziti-password") {
			t.Errorf("%s leaked data: %s", m.method, r.Body)
		}
	}
	var ids []string
	testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/fabric/secrets", mallory, nil).JSON(t, &ids)
	if len(ids) != 0 {
		t.Errorf("other tenant lists %v", ids)
	}
	var got credential
	testkit.Do(t, http.MethodGet, url, alice, nil).JSON(t, &got)
	if got.Password != "ziti-password" || got.Version != 1 {
		t.Errorf("owner's secret changed by another tenant: %+v", got)
	}
}
