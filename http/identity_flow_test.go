package rest_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

func TestPolicyGroupFlow(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testPolicyGroupFlow)
}

// testPolicyGroupFlow provisions a tenant nobody has provisioned (not
// reg.Tenant, which provisions it in Vault) with its own developer token.
func testPolicyGroupFlow(t *testing.T, reg *testkit.Registry) {
	tenant := testkit.RandomTenant(t)
	tok := reg.Token(t, "alice", tenant, "developer")
	admin := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	api := reg.URL + "/registry-api"
	policyName := tenant + "_policy"
	if reg.Vault != nil {
		// Before the flow the tenant's token reaches nothing in Vault.
		before := reg.Token(t, "before", tenant, "developer")
		if r := testkit.Do(t, http.MethodPost, api+"/image-pull/secret/s", before, []byte(seedImagePullBody)); r.Status == http.StatusCreated {
			t.Fatalf("an unprovisioned tenant wrote a secret in Vault")
		}
	}

	r := idExpect(t, http.StatusCreated, http.MethodPost, api+"/policy-group-flow/", tok, "")
	if loc := r.Header.Get("Location"); loc != "/registry-api/group/"+tenant {
		t.Errorf("Location = %q", loc)
	}
	var reply struct{ Group, Policy string }
	r.JSON(t, &reply)
	if reply.Group != tenant || reply.Policy != policyName {
		t.Errorf("reply = %+v, want group %s, policy %s", reply, tenant, policyName)
	}

	rules, err := secretpath.TenantPolicyHCL("hypo", tenant)
	if err != nil {
		t.Fatal(err)
	}
	var p idPolicy
	idExpect(t, http.StatusOK, http.MethodGet, api+"/policy/"+policyName, admin, "").JSON(t, &p)
	if p.Rules != rules {
		t.Errorf("policy rules = %q, want TenantPolicyHCL's %q", p.Rules, rules)
	}
	var g idGroup
	idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+tenant, admin, "").JSON(t, &g)
	if !slices.Equal(g.Policies, []string{policyName}) {
		t.Errorf("group policies = %v", g.Policies)
	}
	// Provisioned already: the same policy and a group holding it.
	idExpect(t, http.StatusConflict, http.MethodPost, api+"/policy-group-flow", tok, "")

	if reg.Vault != nil {
		checkVaultMapping(t, reg.Vault, tenant, tok, rules)
	}
	// The tenant's token now works through the registry on either backend.
	idExpect(t, http.StatusCreated, http.MethodPost, api+"/image-pull/secret/after-flow", tok, seedImagePullBody)
}

// checkVaultMapping reads the policy and group in Vault itself, then logs
// in with the tenant's JWT and writes to the tenant's path directly.
func checkVaultMapping(t *testing.T, v *testkit.Vault, tenant, jwt, rules string) {
	t.Helper()
	ctx, policyName := t.Context(), tenant+"_policy"
	if got, err := v.Admin.Sys().GetPolicyWithContext(ctx, policyName); err != nil || got != rules {
		t.Errorf("Vault policy %s = %q, %v; want the tenant rules", policyName, got, err)
	}
	sec, err := v.Admin.Logical().ReadWithContext(ctx, "identity/group/name/"+tenant)
	if err != nil || sec == nil {
		t.Fatalf("Vault group %s: %v (absent: %v)", tenant, err, sec == nil)
	}
	if pols, _ := sec.Data["policies"].([]any); len(pols) != 1 || pols[0] != policyName || sec.Data["type"] != "external" {
		t.Errorf("Vault group %s = policies %v, type %v", tenant, sec.Data["policies"], sec.Data["type"])
	}
	client, err := v.Admin.Clone()
	if err != nil {
		t.Fatal(err)
	}
	client.SetToken("")
	login, err := client.Logical().WriteWithContext(ctx, "auth/"+v.JWTMount+"/login", map[string]any{"role": v.Role, "jwt": jwt})
	if err != nil || login == nil || login.Auth == nil {
		t.Fatalf("JWT login of the tenant's token: %v", err)
	}
	if !slices.Contains(login.Auth.IdentityPolicies, policyName) {
		t.Errorf("identity_policies = %v, want %s", login.Auth.IdentityPolicies, policyName)
	}
	client.SetToken(login.Auth.ClientToken)
	data := map[string]any{"data": map[string]any{"username": "u", "password": "p"}}
	if _, err := client.Logical().WriteWithContext(ctx, v.Mount+"/data/image-pull/"+tenant+"/x", data); err != nil {
		t.Errorf("write own tenant's path with the exchanged token: %v", err)
	}
	other := testkit.RandomTenant(t)
	_, err = client.Logical().WriteWithContext(ctx, v.Mount+"/data/image-pull/"+other+"/x", data)
	if re := (*api.ResponseError)(nil); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("write another tenant's path: %v, want 403", err)
	}
}

func TestPolicyGroupFlowRollsBack(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, testPolicyGroupFlowRollsBack)
}

// testPolicyGroupFlowRollsBack makes the flow's group creation fail for
// real, after the policy was made: a group of the tenant's name exists
// already (both backends); on Vault also an alias of the tenant's name held
// by another group. The flow answers 409 and the policy is gone again.
func testPolicyGroupFlowRollsBack(t *testing.T, reg *testkit.Registry) {
	admin := reg.Token(t, "root", testkit.RandomTenant(t), "platform-admin")
	api := reg.URL + "/registry-api"
	tenant := testkit.RandomTenant(t)
	idExpect(t, http.StatusCreated, http.MethodPost, api+"/group/", admin, `{"name":"`+tenant+`","policies":["other"]}`)
	cases := []string{tenant}
	if reg.Vault != nil {
		cases = append(cases, holdAlias(t, reg.Vault))
	}
	for _, tenant := range cases {
		tok := reg.Token(t, "alice", tenant, "developer")
		r := idExpect(t, http.StatusConflict, http.MethodPost, api+"/policy-group-flow/", tok, "")
		var problem struct{ Detail string }
		r.JSON(t, &problem)
		t.Logf("flow for %s: %s", tenant, problem.Detail)
		idExpect(t, http.StatusNotFound, http.MethodGet, api+"/policy/"+tenant+"_policy", admin, "")
		if reg.Vault != nil {
			if got, err := reg.Vault.Admin.Sys().GetPolicyWithContext(t.Context(), tenant+"_policy"); err != nil || got != "" {
				t.Errorf("Vault policy %s_policy after rollback = %q, %v; want none", tenant, got, err)
			}
		}
	}
	var g idGroup
	idExpect(t, http.StatusOK, http.MethodGet, api+"/group/"+tenant, admin, "").JSON(t, &g)
	if !slices.Equal(g.Policies, []string{"other"}) {
		t.Errorf("the existing group changed: %+v", g)
	}
	if len(cases) > 1 {
		idExpect(t, http.StatusNotFound, http.MethodGet, api+"/group/"+cases[1], admin, "")
	}
}

// holdAlias makes a group that holds, on the JWT mount, the alias of a
// fresh tenant's name, and returns that tenant: the identity admin refuses
// to make the tenant's group (ErrConflict).
func holdAlias(t *testing.T, v *testkit.Vault) string {
	t.Helper()
	ctx, tenant := t.Context(), testkit.RandomTenant(t)
	auths, err := v.Admin.Sys().ListAuthWithContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mount, ok := auths[v.JWTMount+"/"]
	if !ok {
		t.Fatalf("no auth mount %s", v.JWTMount)
	}
	holder, err := v.Admin.Logical().WriteWithContext(ctx, "identity/group", map[string]any{
		"name": "holder-" + tenant, "type": "external",
	})
	if err != nil || holder == nil {
		t.Fatalf("make holder group: %v", err)
	}
	if _, err := v.Admin.Logical().WriteWithContext(ctx, "identity/group-alias", map[string]any{
		"name": tenant, "mount_accessor": mount.Accessor, "canonical_id": holder.Data["id"],
	}); err != nil {
		t.Fatalf("make alias %s: %v", tenant, err)
	}
	return tenant
}
