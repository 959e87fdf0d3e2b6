package rest_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// The cross-tenant matrix: tenant A owns one resource of every
// tenant-scoped kind; callers of other tenants, a developer and an admin,
// name A's resources in every tenant-scoped route. Every attempt must look
// exactly like a name that never existed (404, the same problem), lists
// must show the caller's own tenant only, a create must land in the
// caller's own tenant, and afterwards A's resources are byte-for-byte what
// they were. Groups and policies are not tenant-scoped (they are global,
// admin-only by design) and are not in the matrix.

// crossTenantOwner is what tenant A stores.
type crossTenantOwner struct {
	token string
	// names of A's resources, as A gave them.
	imagePull, packageRegistry, fabric, serviceID string
	// secrets are A's usernames, passwords, kubeconfig credentials and the
	// stored kubeconfig: none may appear in any response to another tenant.
	secrets []string
}

// Every name a row uses is one of these; A's names are replaced by fresh
// ones to ask the same about a name that never existed.
const (
	ctImagePull       = "team-pull-secret"
	ctPackageRegistry = "https://charts.example.com/team/charts"
	ctFabric          = "ziti-controller-1"
	ctServiceID       = "svc-cluster-1"
)

func TestCrossTenantMatrix(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testCrossTenantMatrix)
}

func testCrossTenantMatrix(t *testing.T, reg *testkit.Registry) {
	a := createOwnerResources(t, reg)
	before := ownerView(t, reg, a)

	for _, role := range []string{"developer", "admin"} {
		t.Run(role+" of another tenant", func(t *testing.T) {
			tenant := reg.Tenant(t)
			tok := reg.Token(t, "mallory", tenant, role)
			probeForeignNames(t, reg, a, tok)
			createOwnNames(t, reg, a, tok)
		})
	}

	after := ownerView(t, reg, a)
	for _, key := range slices.Sorted(maps.Keys(before)) {
		if before[key] != after[key] {
			t.Errorf("A's %s changed under another tenant's requests:\nbefore %s\nafter  %s", key, before[key], after[key])
		}
	}
	if !maps.Equal(before, after) {
		t.Errorf("A's view has other entries after: %v", slices.Sorted(maps.Keys(after)))
	}
	if r := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/kube-conf/token/"+enc(a.serviceID)+"/pod-1", a.token, nil); r.Status != http.StatusOK {
		t.Errorf("A's terminal token after the matrix: status %d, body %s", r.Status, r.Body)
	}
}

// crossTenantRow is one request naming A's resource. path builds the
// request path from a name, so the same request can be made for a name
// that never existed.
type crossTenantRow struct {
	name   string
	method string
	path   func(name string) string
	ownerN string // A's name in this row
	body   string
}

func crossTenantSecretPath(kind string) func(string) string {
	return func(n string) string { return "/registry-api/" + kind + "/secret/" + enc(n) }
}

func foreignRows(a crossTenantOwner) []crossTenantRow {
	pr := crossTenantSecretPath("package-registry")
	token := func(n string) string { return "/registry-api/kube-conf/token/" + enc(n) + "/pod-1" }
	var rows []crossTenantRow
	for _, r := range []struct {
		kind string
		path func(string) string
		name string
		body string
	}{
		{"image-pull", crossTenantSecretPath("image-pull"), a.imagePull, `{"password":"stolen"}`},
		{"package-registry", pr, a.packageRegistry, `{"password":"stolen"}`},
		// Other spellings of A's repository reach A's secret for A; for
		// anyone else they must be as unknown as the spelling A used.
		{"package-registry bare host", pr, strings.TrimPrefix(a.packageRegistry, "https://"), `{"password":"stolen"}`},
		{"package-registry upper-case with port", pr, strings.Replace(a.packageRegistry, "https://charts.example.com", "HTTPS://Charts.Example.com:443", 1) + "/", `{"password":"stolen"}`},
		{"fabric", crossTenantSecretPath("fabric"), a.fabric, `{"password":"stolen"}`},
	} {
		rows = append(rows,
			crossTenantRow{name: r.kind + " GET", method: http.MethodGet, path: r.path, ownerN: r.name},
			crossTenantRow{name: r.kind + " PATCH", method: http.MethodPatch, path: r.path, ownerN: r.name, body: r.body},
			crossTenantRow{name: r.kind + " DELETE", method: http.MethodDelete, path: r.path, ownerN: r.name},
		)
	}
	return append(rows, crossTenantRow{name: "kube-conf terminal token", method: http.MethodGet, path: token, ownerN: a.serviceID})
}

// probeForeignNames runs every row as tok's caller: each is 404 with the
// problem a never-used name gets, and the caller's lists stay empty.
func probeForeignNames(t *testing.T, reg *testkit.Registry, a crossTenantOwner, tok string) {
	for _, row := range foreignRows(a) {
		t.Run(row.name, func(t *testing.T) {
			var body []byte
			if row.body != "" {
				body = []byte(row.body)
			}
			got := testkit.Do(t, row.method, reg.URL+row.path(row.ownerN), tok, body)
			assertNoLeak(t, a, got)
			if got.Status != http.StatusNotFound {
				t.Fatalf("status %d, want 404; body %s", got.Status, got.Body)
			}
			fresh := "never-" + row.ownerN
			if strings.Contains(row.ownerN, "://") {
				fresh = strings.Replace(row.ownerN, "/team/", "/never/", 1)
			}
			never := testkit.Do(t, row.method, reg.URL+row.path(fresh), tok, body)
			if g, n := problemShape(t, got, row.ownerN), problemShape(t, never, fresh); g != n || got.Status != never.Status {
				t.Errorf("A's name and a never-used one are told apart:\n%d %s\n%d %s", got.Status, g, never.Status, n)
			}
		})
	}
	for _, kind := range []string{"image-pull", "package-registry", "fabric", "kube-conf"} {
		t.Run(kind+" list", func(t *testing.T) {
			got := testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/"+kind+"/secrets", tok, nil)
			assertNoLeak(t, a, got)
			var list []json.RawMessage
			if got.Status != http.StatusOK {
				t.Fatalf("status %d, body %s", got.Status, got.Body)
			}
			if got.JSON(t, &list); list == nil || len(list) != 0 {
				t.Errorf("list = %s, want the caller's own empty list []", got.Body)
			}
		})
	}
}

// createOwnNames creates A's names as tok's caller: they are free in the
// caller's tenant (a 409 would reveal A's), and the caller then sees its
// own values only.
func createOwnNames(t *testing.T, reg *testkit.Registry, a crossTenantOwner, tok string) {
	for _, c := range []struct {
		kind, name, body string
	}{
		{"image-pull", a.imagePull, crossTenantBody("own-user", "own-pass", "https://own.example.com")},
		{"package-registry", a.packageRegistry, crossTenantBody("own-user", "own-pass", "")},
		{"fabric", a.fabric, crossTenantBody("own-user", "own-pass", "")},
	} {
		t.Run(c.kind+" POST", func(t *testing.T) {
			path := crossTenantSecretPath(c.kind)(c.name)
			created := testkit.Do(t, http.MethodPost, reg.URL+path, tok, []byte(c.body))
			assertNoLeak(t, a, created)
			if created.Status != http.StatusCreated {
				t.Fatalf("POST of a name another tenant holds: status %d, want 201 in the caller's tenant; body %s", created.Status, created.Body)
			}
			var own credential
			read := testkit.Do(t, http.MethodGet, reg.URL+path, tok, nil)
			assertNoLeak(t, a, read)
			if read.JSON(t, &own); own.Username != "own-user" || own.Password != "own-pass" || own.Version != 1 {
				t.Errorf("the caller reads %+v, want its own values at version 1", own)
			}
			var names []string
			testkit.Do(t, http.MethodGet, reg.URL+"/registry-api/"+c.kind+"/secrets", tok, nil).JSON(t, &names)
			if len(names) != 1 || names[0] != c.name {
				t.Errorf("the caller lists %v, want only its own %q", names, c.name)
			}
		})
	}
}

func assertNoLeak(t *testing.T, a crossTenantOwner, r testkit.Response) {
	t.Helper()
	for _, s := range a.secrets {
		if strings.Contains(string(r.Body), s) {
			t.Errorf("a response to another tenant holds A's %q: %s", s, r.Body)
		}
	}
}

// problemShape is r's problem with the asked-for name blanked, so two
// answers compare on everything a caller could learn from them.
func problemShape(t *testing.T, r testkit.Response, name string) string {
	t.Helper()
	var p struct {
		Type, Title, Detail, Instance string
		Status                        int
	}
	r.JSON(t, &p)
	// A derived storage key may be named too (package-registry); it is
	// derived from the name asked for, the same for any caller.
	replace := []string{enc(name), "{name}", name, "{name}"}
	if key, err := secretpath.RegistryKey(name); err == nil && key != name {
		replace = append(replace, key, "{key}")
	}
	blank := strings.NewReplacer(replace...)
	return strings.Join([]string{p.Type, p.Title, blank.Replace(p.Detail), blank.Replace(p.Instance), r.Header.Get("Content-Type")}, " | ")
}
