package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// TestVaultRequestsPerGetAndList: through the service on Vault, a secret
// GET is one Vault request (a first version and a later one alike, the
// reply's times unchanged by the update), and a package-registry list is
// one Vault LIST that shows the names as given and reflects every write
// before it: a secret deleted just before is gone, one created just before
// is there, under the spelling it was created with.
func TestVaultRequestsPerGetAndList(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	counter := testkit.CountVault(t, v)
	reg := testkit.StartRegistryOnVault(t, v, func(c *app.Config) { c.Vault.Addr = counter.Addr })
	tenant := reg.Tenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	base := reg.URL + "/registry-api/package-registry/"
	secret := func(name string) string { return base + "secret/" + url.PathEscape(name) }
	do := func(method, u, body string, want int) testkit.Response {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		r := testkit.Do(t, method, u, tok, b)
		if r.Status != want {
			t.Fatalf("%s %s: %d %s, want %d", method, u, r.Status, r.Body, want)
		}
		return r
	}
	// requests is what calling fn cost in Vault requests on the tenant's
	// secrets (token exchanges are not counted: they are cached).
	requests := func(fn func()) []string {
		t.Helper()
		counter.Take("")
		fn()
		return counter.Take("/" + tenant)
	}

	var names []string
	for i := range 10 {
		n := fmt.Sprintf("https://Charts%d.Example.com/Repo", i)
		names = append(names, n)
		do(http.MethodPost, secret(n), `{"username":"u","password":"p1"}`, http.StatusCreated)
	}
	slices.Sort(names)

	type credential struct {
		Name                     string
		Password                 string
		Version                  int
		CreatedTime, UpdatedTime time.Time
	}
	get := func(name string) credential {
		t.Helper()
		var c credential
		if got := requests(func() { do(http.MethodGet, secret(name), "", http.StatusOK).JSON(t, &c) }); len(got) != 1 {
			t.Errorf("GET %s: %d Vault requests %q, want 1", name, len(got), got)
		}
		return c
	}
	first := get(names[0])
	if first.Name != names[0] || first.Version != 1 || !first.CreatedTime.Equal(first.UpdatedTime) {
		t.Errorf("GET after create: %+v", first)
	}
	do(http.MethodPatch, secret(names[0]), `{"password":"p2"}`, http.StatusOK)
	second := get(names[0])
	if second.Password != "p2" || second.Version != 2 || !second.CreatedTime.Equal(first.CreatedTime) || !second.UpdatedTime.After(first.UpdatedTime) {
		t.Errorf("GET after update: %+v; after create: %+v", second, first)
	}

	list := func(want []string) {
		t.Helper()
		var got []string
		if reqs := requests(func() { do(http.MethodGet, base+"secrets", "", http.StatusOK).JSON(t, &got) }); len(reqs) != 1 {
			t.Errorf("list: %d Vault requests %q, want 1", len(reqs), reqs)
		}
		if !slices.Equal(got, want) {
			t.Errorf("list = %q, want %q", got, want)
		}
	}
	list(names)

	// Deleted, then listed at once: gone. Created again under another
	// spelling of the same key, listed at once: there, as now spelled.
	gone := names[3]
	do(http.MethodDelete, secret(gone), "", http.StatusNoContent)
	rest := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == gone })
	list(rest)
	again := "charts3.example.com/Repo"
	do(http.MethodPost, secret(again), `{"username":"u","password":"p1"}`, http.StatusCreated)
	want := append(rest, again)
	slices.Sort(want)
	list(want)
}
