package rest_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

type idGroup struct {
	Name     string            `json:"name"`
	Policies []string          `json:"policies"`
	Metadata map[string]string `json:"metadata"`
}

type idPolicy struct {
	Name  string `json:"name"`
	Rules string `json:"rules"`
}

const (
	readRules = `path "hypo/data/image-pull/x/*" { capabilities = ["read"] }`
	listRules = `path "hypo/metadata/image-pull/x/*" { capabilities = ["list"] }`
)

// jsonStr is s as a JSON string.
func jsonStr(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// idExpect sends a request and fails unless it is answered with status.
func idExpect(t *testing.T, status int, method, url, tok, body string) testkit.Response {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r := testkit.Do(t, method, url, tok, b)
	if r.Status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, url, r.Status, status, r.Body)
	}
	return r
}

func TestIdentityGroupAndPolicyCRUD(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testIdentityCRUD)
}

func testIdentityCRUD(t *testing.T, reg *testkit.Registry) {
	admin := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	api := reg.URL + "/registry-api"
	pol, grp := "p-"+testkit.RandomTenant(t), "g-"+testkit.RandomTenant(t)

	r := idExpect(t, http.StatusCreated, http.MethodPost, api+"/policy/"+pol, admin, `{"rules":`+jsonStr(readRules)+`}`)
	if loc := r.Header.Get("Location"); loc != "/registry-api/policy/"+pol {
		t.Errorf("policy Location = %q", loc)
	}
	var p idPolicy
	idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+pol, admin, "").JSON(t, &p)
	if p != (idPolicy{Name: pol, Rules: readRules}) {
		t.Errorf("GET policy = %+v", p)
	}
	idExpect(t, http.StatusConflict, http.MethodPost, api+"/policy/"+pol, admin, `{"rules":`+jsonStr(listRules)+`}`)
	idExpect(t, http.StatusOK, http.MethodPatch, api+"/policy/"+pol, admin, `{"rules":`+jsonStr(listRules)+`}`)
	idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+pol, admin, "").JSON(t, &p)
	if p.Rules != listRules {
		t.Errorf("rules after PATCH = %q", p.Rules)
	}

	r = idExpect(t, http.StatusCreated, http.MethodPost, api+"/group/", admin,
		`{"name":"`+grp+`","policies":["`+pol+`"],"metadata":{"team":"blue"}}`)
	if loc := r.Header.Get("Location"); loc != "/registry-api/group/"+grp {
		t.Errorf("group Location = %q", loc)
	}
	wantGroup := func(want idGroup) {
		t.Helper()
		var g idGroup
		idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+grp, admin, "").JSON(t, &g)
		if !reflect.DeepEqual(g, want) {
			t.Errorf("GET group = %+v, want %+v", g, want)
		}
	}
	wantGroup(idGroup{Name: grp, Policies: []string{pol}, Metadata: map[string]string{"team": "blue"}})
	idExpect(t, http.StatusConflict, http.MethodPost, api+"/group/", admin, `{"name":"`+grp+`"}`)
	idExpect(t, http.StatusOK, http.MethodPatch, api+"/group/"+grp, admin, `{"policies":["`+pol+`","extra"]}`)
	wantGroup(idGroup{Name: grp, Policies: []string{"extra", pol}, Metadata: map[string]string{"team": "blue"}})
	idExpect(t, http.StatusOK, http.MethodPatch, api+"/group/"+grp, admin, `{"metadata":{"team":"red"}}`)
	wantGroup(idGroup{Name: grp, Policies: []string{"extra", pol}, Metadata: map[string]string{"team": "red"}})

	for _, tc := range []struct {
		status             int
		method, path, body string
	}{
		{http.StatusBadRequest, http.MethodPost, "/policy/bad-hcl", `{"rules":"path \"x\" {"}`},
		{http.StatusBadRequest, http.MethodPost, "/policy/no-rules", `{}`},
		{http.StatusBadRequest, http.MethodPost, "/policy/root", `{"rules":` + jsonStr(readRules) + `}`},
		{http.StatusBadRequest, http.MethodPost, "/policy/a..b", `{"rules":` + jsonStr(readRules) + `}`},
		{http.StatusBadRequest, http.MethodPost, "/group/", `{"name":"a..b"}`},
		{http.StatusBadRequest, http.MethodPost, "/group/", `{"name":"x","polices":[]}`},
		{http.StatusBadRequest, http.MethodPost, "/group/", `{"name":"x","policies":"p"}`},
		{http.StatusBadRequest, http.MethodPatch, "/group/" + grp, `{}`},
		{http.StatusBadRequest, http.MethodPatch, "/group/" + grp, `{"policies":["root"]}`},
		{http.StatusNotFound, http.MethodGet, "/group/missing-" + grp, ""},
		{http.StatusNotFound, http.MethodPatch, "/group/missing-" + grp, `{"policies":[]}`},
		{http.StatusNotFound, http.MethodGet, "/policy/missing-" + pol, ""},
		{http.StatusNotFound, http.MethodPatch, "/policy/missing-" + pol, `{"rules":` + jsonStr(readRules) + `}`},
		{http.StatusUnauthorized, http.MethodGet, "/group/" + grp, ""},
	} {
		tok := admin
		if tc.status == http.StatusUnauthorized {
			tok = ""
		}
		idExpect(t, tc.status, tc.method, api+tc.path, tok, tc.body)
	}
	wantGroup(idGroup{Name: grp, Policies: []string{"extra", pol}, Metadata: map[string]string{"team": "red"}})

	idExpect(t, http.StatusNoContent, http.MethodDelete, api+"/group/"+grp, admin, "")
	idExpect(t, http.StatusNotFound, http.MethodGet, api+"/group/"+grp, admin, "")
	idExpect(t, http.StatusNotFound, http.MethodDelete, api+"/group/"+grp, admin, "")
	idExpect(t, http.StatusNoContent, http.MethodDelete, api+"/policy/"+pol, admin, "")
	idExpect(t, http.StatusNotFound, http.MethodGet, api+"/policy/"+pol, admin, "")
	idExpect(t, http.StatusNotFound, http.MethodDelete, api+"/policy/"+pol, admin, "")
}

func TestIdentityRoleMatrix(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testIdentityRoleMatrix)
}

// testIdentityRoleMatrix: every group and policy endpoint refuses every
// caller without the admin role with 403 and changes nothing; the admin
// gets through.
func testIdentityRoleMatrix(t *testing.T, reg *testkit.Registry) {
	tenant := testkit.RandomTenant(t)
	admin := reg.Token(t, "root", tenant, "platform-admin")
	api := reg.URL + "/registry-api"
	pol, grp := "p-"+testkit.RandomTenant(t), "g-"+testkit.RandomTenant(t)
	idExpect(t, http.StatusCreated, http.MethodPost, api+"/policy/"+pol, admin, `{"rules":`+jsonStr(readRules)+`}`)
	idExpect(t, http.StatusCreated, http.MethodPost, api+"/group/", admin, `{"name":"`+grp+`","policies":["`+pol+`"]}`)

	endpoints := []struct {
		method, path, body string
		adminStatus        int
	}{
		{http.MethodGet, "/policy/" + pol, "", http.StatusOK},
		{http.MethodPatch, "/policy/" + pol, `{"rules":` + jsonStr(listRules) + `}`, http.StatusOK},
		{http.MethodPost, "/policy/new-" + pol, `{"rules":` + jsonStr(readRules) + `}`, http.StatusCreated},
		{http.MethodGet, "/group/" + grp, "", http.StatusOK},
		{http.MethodPatch, "/group/" + grp, `{"policies":["new-` + pol + `"]}`, http.StatusOK},
		{http.MethodPost, "/group/", `{"name":"new-` + grp + `"}`, http.StatusCreated},
		{http.MethodDelete, "/group/new-" + grp, "", http.StatusNoContent},
		{http.MethodDelete, "/group/" + grp, "", http.StatusNoContent},
		{http.MethodDelete, "/policy/new-" + pol, "", http.StatusNoContent},
		{http.MethodDelete, "/policy/" + pol, "", http.StatusNoContent},
	}
	for _, roles := range [][]string{{"developer"}, {"read-only"}, nil, {"developer", "read-only", "Admin"}} {
		tok := reg.Token(t, "user", tenant, roles...)
		for _, e := range endpoints {
			r := idExpect(t, http.StatusForbidden, e.method, api+e.path, tok, e.body)
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("%s %s with roles %v: Content-Type %q", e.method, e.path, roles, ct)
			}
		}
	}
	var p idPolicy
	idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+pol, admin, "").JSON(t, &p)
	if p.Rules != readRules {
		t.Errorf("a refused PATCH changed the policy: %+v", p)
	}
	for _, e := range endpoints {
		idExpect(t, e.adminStatus, e.method, api+e.path, admin, e.body)
	}
}
