package contract

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

// IdentityAdmin runs the behaviour every handlers.IdentityAdmin
// adapter must show, embedded and Vault alike. Each subtest makes its own
// admin and uses fresh random names, so one shared Vault serves all.
//
// Shared semantics it pins down: policy names are stored lower case (Vault
// lower-cases them); Vault's built-in policies (root, default, …) cannot be
// managed; rules Vault would not parse are refused; group names are valid
// tenants, matched case-insensitively (as a Vault identity store does by
// default) and kept as created; group policies come back lower case,
// deduplicated and sorted.
func IdentityAdmin(t *testing.T, newAdmin func(t *testing.T) handlers.IdentityAdmin) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, f identityFixture)
	}{
		{"policy create get put delete", policyLifecycle},
		{"create policy over existing conflicts", policyCreateConflict},
		{"policy names are stored lower case", policyLowerCase},
		{"missing policy is not found", policyMissing},
		{"invalid policy names", policyInvalidNames},
		{"invalid policy rules", policyInvalidRules},
		{"accepted policy rules round-trip", policyAcceptedRules},
		{"group create get update delete", groupLifecycle},
		{"create group over existing conflicts", groupCreateConflict},
		{"group policies round-trip sorted", groupPoliciesSorted},
		{"group names are case-insensitive", groupCaseInsensitive},
		{"missing group is not found", groupMissing},
		{"invalid groups", groupInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, identityFixture{admin: newAdmin(t), ctx: t.Context(), base: RandomTenant(t)})
		})
	}
}

// identityFixture is one subtest's admin and a random name no other subtest
// uses; names derived from it are unique too.
type identityFixture struct {
	admin handlers.IdentityAdmin
	ctx   context.Context
	base  string
}

// policyRules is a valid policy granting a tenant's image-pull folder.
func policyRules(tenant string) string {
	return `path "hypo/data/image-pull/` + tenant + `/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}
`
}

func policyLifecycle(t *testing.T, f identityFixture) {
	name := f.base + "_policy"
	want := handlers.Policy{Name: name, Rules: policyRules(f.base)}
	identityOK(t, "CreatePolicy", f.admin.CreatePolicy(f.ctx, want))
	expectPolicy(t, f, want)

	want.Rules = policyRules(f.base + "-other")
	identityOK(t, "PutPolicy over existing", f.admin.PutPolicy(f.ctx, want))
	expectPolicy(t, f, want)

	identityOK(t, "DeletePolicy", f.admin.DeletePolicy(f.ctx, name))
	_, err := f.admin.GetPolicy(f.ctx, name)
	identityErrIs(t, "GetPolicy after delete", err, handlers.ErrNotFound)

	fresh := handlers.Policy{Name: f.base + "_put", Rules: policyRules(f.base)}
	identityOK(t, "PutPolicy creating", f.admin.PutPolicy(f.ctx, fresh))
	expectPolicy(t, f, fresh)
	identityOK(t, "DeletePolicy", f.admin.DeletePolicy(f.ctx, fresh.Name))
}

func policyCreateConflict(t *testing.T, f identityFixture) {
	first := handlers.Policy{Name: f.base + "_policy", Rules: policyRules(f.base)}
	identityOK(t, "CreatePolicy", f.admin.CreatePolicy(f.ctx, first))
	second := handlers.Policy{Name: first.Name, Rules: policyRules(f.base + "-other")}
	identityErrIs(t, "CreatePolicy over existing", f.admin.CreatePolicy(f.ctx, second), handlers.ErrConflict)
	expectPolicy(t, f, first)
	identityOK(t, "DeletePolicy", f.admin.DeletePolicy(f.ctx, first.Name))
}

func policyLowerCase(t *testing.T, f identityFixture) {
	lower := f.base + "_policy"
	p := handlers.Policy{Name: strings.ToUpper(lower), Rules: policyRules(f.base)}
	identityOK(t, "CreatePolicy", f.admin.CreatePolicy(f.ctx, p))
	expectPolicy(t, f, handlers.Policy{Name: lower, Rules: p.Rules})
	identityErrIs(t, "CreatePolicy lower-case twin", f.admin.CreatePolicy(f.ctx, handlers.Policy{Name: lower, Rules: p.Rules}), handlers.ErrConflict)
	identityOK(t, "DeletePolicy by upper-case name", f.admin.DeletePolicy(f.ctx, p.Name))
	_, err := f.admin.GetPolicy(f.ctx, lower)
	identityErrIs(t, "GetPolicy after delete", err, handlers.ErrNotFound)
}

func policyMissing(t *testing.T, f identityFixture) {
	_, err := f.admin.GetPolicy(f.ctx, f.base+"_missing")
	identityErrIs(t, "GetPolicy", err, handlers.ErrNotFound)
	identityErrIs(t, "DeletePolicy", f.admin.DeletePolicy(f.ctx, f.base+"_missing"), handlers.ErrNotFound)
}

func policyInvalidNames(t *testing.T, f identityFixture) {
	for _, name := range []string{"", ".", "..", "a..b", "a/b", "a\\b", "a\x00b", "a\nb", "a b", "root", "Root", "default", "DEFAULT", "response-wrapping"} {
		p := handlers.Policy{Name: name, Rules: policyRules(f.base)}
		identityErrIs(t, "CreatePolicy "+strconv.Quote(name), f.admin.CreatePolicy(f.ctx, p), handlers.ErrInvalid)
		identityErrIs(t, "PutPolicy "+strconv.Quote(name), f.admin.PutPolicy(f.ctx, p), handlers.ErrInvalid)
		_, err := f.admin.GetPolicy(f.ctx, name)
		identityErrIs(t, "GetPolicy "+strconv.Quote(name), err, handlers.ErrInvalid)
		identityErrIs(t, "DeletePolicy "+strconv.Quote(name), f.admin.DeletePolicy(f.ctx, name), handlers.ErrInvalid)
	}
}

func policyInvalidRules(t *testing.T, f identityFixture) {
	cases := map[string]string{
		"empty":                "",
		"blank":                " \n\t",
		"unclosed block":       `path "x/*" {`,
		"not hcl":              "just some words",
		"unknown top-level":    `paths "x/*" { capabilities = ["read"] }`,
		"unknown path key":     `path "x/*" { capabilitys = ["read"] }`,
		"unknown capability":   `path "x/*" { capabilities = ["fly"] }`,
		"unknown policy value": `path "x/*" { policy = "superuser" }`,
		"path not a block":     `path = "x"`,
		"forbidden wildcard":   `path "x/+*" { capabilities = ["read"] }`,
		"duplicate key":        `path "x/*" { capabilities = ["read"] capabilities = ["list"] }`,
		"name not a string":    `name = ["a"]`,
		"nested capabilities":  `path "x/*" { capabilities = [["read"]] }`,
		"parameters not a map": `path "x/*" { denied_parameters = "a" capabilities = ["read"] }`,
		"ttl not a duration":   `path "x/*" { min_wrapping_ttl = "soon" capabilities = ["read"] }`,
		"min ttl above max":    `path "x/*" { min_wrapping_ttl = "1h" max_wrapping_ttl = "1m" capabilities = ["read"] }`,
		"control group empty":  `path "x/*" { control_group = {} capabilities = ["read"] }`,
	}
	name := f.base + "_policy"
	valid := handlers.Policy{Name: f.base + "_kept", Rules: policyRules(f.base)}
	identityOK(t, "CreatePolicy", f.admin.CreatePolicy(f.ctx, valid))
	for what, rules := range cases {
		identityErrIs(t, "CreatePolicy "+what, f.admin.CreatePolicy(f.ctx, handlers.Policy{Name: name, Rules: rules}), handlers.ErrInvalid)
		identityErrIs(t, "PutPolicy over existing "+what, f.admin.PutPolicy(f.ctx, handlers.Policy{Name: valid.Name, Rules: rules}), handlers.ErrInvalid)
	}
	_, err := f.admin.GetPolicy(f.ctx, name)
	identityErrIs(t, "GetPolicy of refused policy", err, handlers.ErrNotFound)
	expectPolicy(t, f, valid)
	identityOK(t, "DeletePolicy", f.admin.DeletePolicy(f.ctx, valid.Name))
}

// policyAcceptedRules are forms Vault accepts that a naive check might not.
func policyAcceptedRules(t *testing.T, f identityFixture) {
	cases := map[string]string{
		"json form":        `{"path": {"x/*": {"capabilities": ["read"]}}}`,
		"old-style policy": `path "x/*" { policy = "write" }`,
		"comment only":     "# grants nothing yet\n",
		"deny ends checks": `path "x/*" { capabilities = ["deny"] min_wrapping_ttl = "soon" }`,
		"templated path":   `path "x/{{identity.entity.id}}/*" { capabilities = ["read"] }`,
		"every key":        "path \"x/*\" {\n  comment = \"c\"\n  capabilities = [\"create\", \"update\"]\n  allowed_parameters = { \"a\" = [\"1\"] }\n  denied_parameters = { \"b\" = [] }\n  required_parameters = [\"a\"]\n  min_wrapping_ttl = \"1m\"\n  max_wrapping_ttl = 3600\n}\n",
	}
	i := 0
	for what, rules := range cases {
		i++
		p := handlers.Policy{Name: f.base + "_" + strconv.Itoa(i), Rules: rules}
		identityOK(t, "CreatePolicy "+what, f.admin.CreatePolicy(f.ctx, p))
		expectPolicy(t, f, p)
		identityOK(t, "DeletePolicy "+what, f.admin.DeletePolicy(f.ctx, p.Name))
	}
}

func expectPolicy(t *testing.T, f identityFixture, want handlers.Policy) {
	t.Helper()
	got, err := f.admin.GetPolicy(f.ctx, want.Name)
	identityOK(t, "GetPolicy", err)
	if got != want {
		t.Fatalf("GetPolicy(%q) = %+v, want %+v", want.Name, got, want)
	}
}

func identityOK(t *testing.T, op string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func identityErrIs(t *testing.T, op string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err = %v, want %v", op, err, want)
	}
}
