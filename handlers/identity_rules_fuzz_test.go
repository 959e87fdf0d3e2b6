package handlers_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

var identityNameSeeds = []string{
	"tenant-a", "tenant-a_policy", "Tenant-A_Policy", "root", "ROOT", "default", "Default", "response-wrapping",
	"control-group", "", ".", "..", "a/b", "+", "*", "\xff", "\u0130", "K", "a b", strings.Repeat("p", 256),
}

// FuzzPolicyName: an accepted name is a valid path segment, lower case, a
// fixed point, and never one of Vault's built-in policies whatever its case.
func FuzzPolicyName(f *testing.F) {
	for _, s := range identityNameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, err := handlers.PolicyName(name)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("PolicyName(%q) = %v, not ErrInvalid", name, err)
			}
			return
		}
		if err := secretpath.CheckSegment("policy", got); err != nil {
			t.Fatalf("PolicyName(%q) = %q, not a segment: %v", name, got, err)
		}
		if strings.ToLower(got) != got || !utf8.ValidString(got) {
			t.Fatalf("PolicyName(%q) = %q, not lower case", name, got)
		}
		for _, reserved := range []string{"root", "default", "response-wrapping", "control-group"} {
			if strings.EqualFold(got, reserved) {
				t.Fatalf("PolicyName(%q) = %q, a built-in", name, got)
			}
		}
		if again, err := handlers.PolicyName(got); err != nil || again != got {
			t.Fatalf("PolicyName(%q) = %q, then %q, %v", name, got, again, err)
		}
	})
}

// FuzzNormaliseGroup covers CheckGroupName and the group's policy list: the
// result is sorted, unique, lower case, never root, and a fixed point.
func FuzzNormaliseGroup(f *testing.F) {
	for i, s := range identityNameSeeds {
		f.Add(s, identityNameSeeds[(i+1)%len(identityNameSeeds)], "tenant-a_policy", "k", "v")
	}
	f.Add("tenant-a", "Root", "root", "vault-x", "v")
	f.Add("tenant-a", "p", "P", "a=b/c+d", strings.Repeat("v", 513))
	f.Fuzz(func(t *testing.T, name, p1, p2, mk, mv string) {
		g := handlers.Group{Name: name, Policies: []string{p1, p2}, Metadata: map[string]string{mk: mv}}
		if (handlers.CheckGroupName(name) == nil) != (secretpath.CheckSegment("group", name) == nil) {
			t.Fatalf("CheckGroupName(%q) disagrees with CheckSegment", name)
		}
		out, err := handlers.NormaliseGroup(g)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("NormaliseGroup(%+v) = %v, not ErrInvalid", g, err)
			}
			return
		}
		if handlers.CheckGroupName(name) != nil || out.Name != name {
			t.Fatalf("NormaliseGroup(%+v) accepted, name %q", g, out.Name)
		}
		if !slices.IsSorted(out.Policies) || len(slices.Compact(slices.Clone(out.Policies))) != len(out.Policies) {
			t.Fatalf("policies %q not sorted and unique", out.Policies)
		}
		for _, p := range out.Policies {
			if p != strings.ToLower(p) || p == "root" || secretpath.CheckSegment("policy", p) != nil {
				t.Fatalf("policy %q kept", p)
			}
		}
		if v, ok := out.Metadata[mk]; !ok || v != mv || strings.HasPrefix(mk, "vault-") || !utf8.ValidString(mv) || len(mv) > 512 {
			t.Fatalf("metadata %q=%q kept as %v", mk, mv, out.Metadata)
		}
		again, err := handlers.NormaliseGroup(out)
		if err != nil || !slices.Equal(again.Policies, out.Policies) || again.Name != out.Name {
			t.Fatalf("NormaliseGroup is not a fixed point on %+v: %+v, %v", out, again, err)
		}
	})
}
