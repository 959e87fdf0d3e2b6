package rest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/testkit"
)

// The package-registry request body of seed 000, verbatim.
const seedPackageRegistryBody = `{
  "username": "my-user",
  "password": "my-password",
  "url": "https://charts.example.com/myrepo"
}`

const seedRepoURL = "https://charts.example.com/myrepo"

// enc is a name as it must appear in a path: one percent-encoded segment.
func enc(name string) string { return url.PathEscape(name) }

func TestPackageRegistryLifecycle(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testPackageRegistryLifecycle)
}

func testPackageRegistryLifecycle(t *testing.T, reg *testkit.Registry) {
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/package-registry"

	created := testkit.Do(t, http.MethodPost, base+"/secret/"+enc(seedRepoURL), tok, []byte(seedPackageRegistryBody))
	if created.Status != http.StatusCreated {
		t.Fatalf("POST: status %d, body %s", created.Status, created.Body)
	}
	loc := created.Header.Get("Location")
	if !strings.HasPrefix(loc, "/registry-api/package-registry/secret/") || strings.Count(loc, "/") != 4 {
		t.Errorf("Location = %q, want the name as one encoded segment", loc)
	}
	if strings.Contains(string(created.Body), "my-password") {
		t.Errorf("create reply carries the password: %s", created.Body)
	}
	want := credential{Name: seedRepoURL, Username: "my-user", Password: "my-password", URL: seedRepoURL, Version: 1}
	// The Location, the name as given, and other names for the repository
	// all reach the one secret, which keeps the name it was given.
	for _, path := range []string{
		loc,
		"/registry-api/package-registry/secret/" + enc(seedRepoURL),
		"/registry-api/package-registry/secret/https%3A%2F%2Fcharts.example.com%2Fmyrepo",
		"/registry-api/package-registry/secret/" + enc("charts.example.com/myrepo"),
		"/registry-api/package-registry/secret/" + enc("charts.example.com/myrepo/"),
		"/registry-api/package-registry/secret/" + enc("HTTPS://Charts.Example.com:443/myrepo/"),
	} {
		read := testkit.Do(t, http.MethodGet, reg.URL+path, tok, nil)
		if read.Status != http.StatusOK {
			t.Errorf("GET %s: status %d, body %s", path, read.Status, read.Body)
			continue
		}
		var got credential
		read.JSON(t, &got)
		if got != want {
			t.Errorf("GET %s = %+v, want %+v", path, got, want)
		}
		if cc := read.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control on a secret = %q, want no-store", cc)
		}
	}
	// Seed 000 writes the name unencoded: the rest of the path is the name.
	if r := testkit.Do(t, http.MethodGet, base+"/secret/charts.example.com/myrepo", tok, nil); r.Status != http.StatusOK {
		t.Errorf("GET with unencoded slashes: status %d, want 200", r.Status)
	} else {
		var got credential
		if r.JSON(t, &got); got != want {
			t.Errorf("GET with unencoded slashes = %+v, want %+v", got, want)
		}
	}
	// The same sanitising as an encoded name: a dot-dot segment never
	// reaches another name, and an empty segment is what it is encoded.
	for _, path := range []string{"/secret/charts.example.com/../myrepo", "/secret/charts.example.com/%2E%2E/myrepo"} {
		if r := testkit.Do(t, http.MethodGet, base+path, tok, nil); r.Status == http.StatusOK {
			t.Errorf("GET %s: 200, want it refused", path)
		}
	}
	plain := testkit.Do(t, http.MethodGet, base+"/secret/charts.example.com//myrepo", tok, nil)
	encoded := testkit.Do(t, http.MethodGet, base+"/secret/"+enc("charts.example.com//myrepo"), tok, nil)
	if plain.Status != encoded.Status || string(plain.Body) != string(encoded.Body) {
		t.Errorf("an empty segment: %d %s unencoded, %d %s encoded", plain.Status, plain.Body, encoded.Status, encoded.Body)
	}
	if dup := testkit.Do(t, http.MethodPost, base+"/secret/"+enc("charts.example.com/myrepo/"), tok, []byte(seedPackageRegistryBody)); dup.Status != http.StatusConflict {
		t.Errorf("POST for the same repository by another name: status %d, want 409", dup.Status)
	}
	// The seed's own example, verbatim.
	if r := testkit.Do(t, http.MethodPost, base+"/secret/registry.example.eu/myrepo/charts", tok, []byte(seedPackageRegistryBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST path name: status %d, body %s", r.Status, r.Body)
	}
	var names []string
	testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil).JSON(t, &names)
	if !slices.Equal(names, []string{seedRepoURL, "registry.example.eu/myrepo/charts"}) {
		t.Errorf("list = %q, want the names as given", names)
	}

	patched := testkit.Do(t, http.MethodPatch, base+"/secret/"+enc("charts.example.com/myrepo"), tok, []byte(`{"password":"rotated-password"}`))
	if patched.Status != http.StatusOK {
		t.Fatalf("PATCH: status %d, body %s", patched.Status, patched.Body)
	}
	var got credential
	testkit.Do(t, http.MethodGet, base+"/secret/"+enc(seedRepoURL), tok, nil).JSON(t, &got)
	want.Password, want.Version = "rotated-password", 2
	if got != want {
		t.Errorf("after PATCH = %+v, want %+v", got, want)
	}

	if del := testkit.Do(t, http.MethodDelete, base+"/secret/"+enc("charts.example.com/myrepo/"), tok, nil); del.Status != http.StatusNoContent {
		t.Fatalf("DELETE: status %d, body %s", del.Status, del.Body)
	}
	if gone := testkit.Do(t, http.MethodGet, base+"/secret/"+enc(seedRepoURL), tok, nil); gone.Status != http.StatusNotFound {
		t.Errorf("GET after DELETE: status %d, want 404", gone.Status)
	}
	testkit.Do(t, http.MethodGet, base+"/secrets", tok, nil).JSON(t, &names)
	if !slices.Equal(names, []string{"registry.example.eu/myrepo/charts"}) {
		t.Errorf("list after DELETE = %q", names)
	}
	assertAudited(t, reg, tenant, []string{
		events.PackageRegistrySecretCreated, events.PackageRegistrySecretRead, events.PackageRegistrySecretUpdated,
		events.PackageRegistrySecretDeleted, events.PackageRegistrySecretsListed, events.CommandRejected,
	}, "my-password", "rotated-password")
}

func TestPackageRegistryOtherTenantSeesNothing(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testPackageRegistryOtherTenantSeesNothing)
}

func testPackageRegistryOtherTenantSeesNothing(t *testing.T, reg *testkit.Registry) {
	alice := reg.Token(t, "alice", reg.Tenant(t), "developer")
	mallory := reg.Token(t, "mallory", reg.Tenant(t), "admin")
	base := reg.URL + "/registry-api/package-registry"
	if r := testkit.Do(t, http.MethodPost, base+"/secret/"+enc(seedRepoURL), alice, []byte(seedPackageRegistryBody)); r.Status != http.StatusCreated {
		t.Fatalf("POST: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct{ method, name, body string }{
		{http.MethodGet, seedRepoURL, ""},
		{http.MethodGet, "charts.example.com/myrepo", ""},
		{http.MethodPatch, seedRepoURL, `{"password":"stolen"}`},
		{http.MethodDelete, seedRepoURL, ""},
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		r := testkit.Do(t, tc.method, base+"/secret/"+enc(tc.name), mallory, body)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s as another tenant: status %d, want 404", tc.method, tc.name, r.Status)
		}
		if strings.Contains(string(r.Body), "my-password") || strings.Contains(string(r.Body), "my-user") {
			t.Errorf("%s %s leaked data: %s", tc.method, tc.name, r.Body)
		}
	}
	var names []string
	testkit.Do(t, http.MethodGet, base+"/secrets", mallory, nil).JSON(t, &names)
	if len(names) != 0 {
		t.Errorf("other tenant lists %v", names)
	}
	var got credential
	testkit.Do(t, http.MethodGet, base+"/secret/"+enc(seedRepoURL), alice, nil).JSON(t, &got)
	if got.Password != "my-password" || got.Version != 1 {
		t.Errorf("owner's secret changed by another tenant: %+v", got)
	}
}
