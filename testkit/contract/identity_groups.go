package contract

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

func groupLifecycle(t *testing.T, f identityFixture) {
	p1, p2, p3 := f.base+"_b", f.base+"_a", f.base+"_c"
	in := handlers.Group{Name: f.base, Policies: []string{p1, p2}, Metadata: map[string]string{"tenant": f.base, "tier": "gold"}}
	want := handlers.Group{Name: f.base, Policies: []string{p2, p1}, Metadata: in.Metadata}
	got, err := f.admin.CreateGroup(f.ctx, in)
	identityOK(t, "CreateGroup", err)
	expectSameGroup(t, "CreateGroup", got, want)
	expectGroup(t, f, want)

	in = handlers.Group{Name: f.base, Policies: []string{p3}, Metadata: map[string]string{"tier": "silver"}}
	got, err = f.admin.UpdateGroup(f.ctx, in)
	identityOK(t, "UpdateGroup", err)
	expectSameGroup(t, "UpdateGroup", got, in)
	expectGroup(t, f, in)

	in = handlers.Group{Name: f.base}
	got, err = f.admin.UpdateGroup(f.ctx, in)
	identityOK(t, "UpdateGroup clearing", err)
	expectSameGroup(t, "UpdateGroup clearing", got, in)
	expectGroup(t, f, in)

	identityOK(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base))
	_, err = f.admin.GetGroup(f.ctx, f.base)
	identityErrIs(t, "GetGroup after delete", err, handlers.ErrNotFound)
	identityErrIs(t, "DeleteGroup again", f.admin.DeleteGroup(f.ctx, f.base), handlers.ErrNotFound)

	// The name is free again: nothing of the old group (in Vault, its alias)
	// is left to collide with.
	_, err = f.admin.CreateGroup(f.ctx, handlers.Group{Name: f.base, Policies: []string{p1}})
	identityOK(t, "CreateGroup after delete", err)
	expectGroup(t, f, handlers.Group{Name: f.base, Policies: []string{p1}})
	identityOK(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base))
}

func groupCreateConflict(t *testing.T, f identityFixture) {
	first := handlers.Group{Name: f.base, Policies: []string{f.base + "_policy"}, Metadata: map[string]string{"k": "v"}}
	_, err := f.admin.CreateGroup(f.ctx, first)
	identityOK(t, "CreateGroup", err)
	_, err = f.admin.CreateGroup(f.ctx, handlers.Group{Name: f.base, Policies: []string{f.base + "_other"}})
	identityErrIs(t, "CreateGroup over existing", err, handlers.ErrConflict)
	expectGroup(t, f, first)
	identityOK(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base))
}

func groupPoliciesSorted(t *testing.T, f identityFixture) {
	in := handlers.Group{Name: f.base, Policies: []string{
		f.base + "_zeta", f.base + "_alpha", strings.ToUpper(f.base + "_mid"), f.base + "_alpha", "default",
	}}
	want := handlers.Group{Name: f.base, Policies: []string{f.base + "_alpha", f.base + "_mid", f.base + "_zeta", "default"}}
	got, err := f.admin.CreateGroup(f.ctx, in)
	identityOK(t, "CreateGroup", err)
	expectSameGroup(t, "CreateGroup", got, want)
	expectGroup(t, f, want)
	identityOK(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base))
}

// groupCaseInsensitive: names differing only in case are one group, as in a
// Vault identity store by default; the name stays as created.
func groupCaseInsensitive(t *testing.T, f identityFixture) {
	created := "Mixed-" + f.base
	_, err := f.admin.CreateGroup(f.ctx, handlers.Group{Name: created, Policies: []string{"p"}})
	identityOK(t, "CreateGroup", err)
	_, err = f.admin.CreateGroup(f.ctx, handlers.Group{Name: strings.ToLower(created)})
	identityErrIs(t, "CreateGroup lower-case twin", err, handlers.ErrConflict)
	got, err := f.admin.UpdateGroup(f.ctx, handlers.Group{Name: strings.ToUpper(created), Policies: []string{"q"}})
	identityOK(t, "UpdateGroup by upper-case name", err)
	want := handlers.Group{Name: created, Policies: []string{"q"}}
	expectSameGroup(t, "UpdateGroup by upper-case name", got, want)
	got, err = f.admin.GetGroup(f.ctx, strings.ToLower(created))
	identityOK(t, "GetGroup by lower-case name", err)
	expectSameGroup(t, "GetGroup by lower-case name", got, want)
	identityOK(t, "DeleteGroup by upper-case name", f.admin.DeleteGroup(f.ctx, strings.ToUpper(created)))
	_, err = f.admin.GetGroup(f.ctx, created)
	identityErrIs(t, "GetGroup after delete", err, handlers.ErrNotFound)
}

func groupMissing(t *testing.T, f identityFixture) {
	_, err := f.admin.GetGroup(f.ctx, f.base)
	identityErrIs(t, "GetGroup", err, handlers.ErrNotFound)
	_, err = f.admin.UpdateGroup(f.ctx, handlers.Group{Name: f.base, Policies: []string{"x"}})
	identityErrIs(t, "UpdateGroup", err, handlers.ErrNotFound)
	_, err = f.admin.GetGroup(f.ctx, f.base)
	identityErrIs(t, "GetGroup after UpdateGroup", err, handlers.ErrNotFound)
	identityErrIs(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base), handlers.ErrNotFound)
}

func groupInvalid(t *testing.T, f identityFixture) {
	for _, name := range []string{"", ".", "..", "a..b", "a/b", "a\\b", "a\x00b", "a\nb", "a b"} {
		_, err := f.admin.CreateGroup(f.ctx, handlers.Group{Name: name})
		identityErrIs(t, "CreateGroup "+strconv.Quote(name), err, handlers.ErrInvalid)
		_, err = f.admin.GetGroup(f.ctx, name)
		identityErrIs(t, "GetGroup "+strconv.Quote(name), err, handlers.ErrInvalid)
		_, err = f.admin.UpdateGroup(f.ctx, handlers.Group{Name: name})
		identityErrIs(t, "UpdateGroup "+strconv.Quote(name), err, handlers.ErrInvalid)
		identityErrIs(t, "DeleteGroup "+strconv.Quote(name), f.admin.DeleteGroup(f.ctx, name), handlers.ErrInvalid)
	}
	tooMany := map[string]string{}
	for i := range 65 {
		tooMany["k"+strings.Repeat("x", i)] = "v"
	}
	bad := map[string]handlers.Group{
		"root policy":             {Policies: []string{"root"}},
		"ROOT policy":             {Policies: []string{"ROOT"}},
		"policy with slash":       {Policies: []string{"a/b"}},
		"empty policy":            {Policies: []string{""}},
		"empty metadata key":      {Metadata: map[string]string{"": "v"}},
		"metadata key charset":    {Metadata: map[string]string{"a key": "v"}},
		"metadata key too long":   {Metadata: map[string]string{strings.Repeat("k", 129): "v"}},
		"metadata reserved key":   {Metadata: map[string]string{"vault-x": "v"}},
		"metadata value too long": {Metadata: map[string]string{"k": strings.Repeat("v", 513)}},
		"metadata value not utf8": {Metadata: map[string]string{"k": "\xff"}},
		"too many metadata pairs": {Metadata: tooMany},
	}
	for what, g := range bad {
		g.Name = f.base
		_, err := f.admin.CreateGroup(f.ctx, g)
		identityErrIs(t, "CreateGroup with "+what, err, handlers.ErrInvalid)
	}
	_, err := f.admin.GetGroup(f.ctx, f.base)
	identityErrIs(t, "GetGroup of refused group", err, handlers.ErrNotFound)
	_, err = f.admin.CreateGroup(f.ctx, handlers.Group{Name: f.base, Metadata: map[string]string{"k": "v"}})
	identityOK(t, "CreateGroup", err)
	for what, g := range bad {
		g.Name = f.base
		_, err := f.admin.UpdateGroup(f.ctx, g)
		identityErrIs(t, "UpdateGroup with "+what, err, handlers.ErrInvalid)
	}
	expectGroup(t, f, handlers.Group{Name: f.base, Metadata: map[string]string{"k": "v"}})
	identityOK(t, "DeleteGroup", f.admin.DeleteGroup(f.ctx, f.base))
}

func expectGroup(t *testing.T, f identityFixture, want handlers.Group) {
	t.Helper()
	got, err := f.admin.GetGroup(f.ctx, want.Name)
	identityOK(t, "GetGroup", err)
	expectSameGroup(t, "GetGroup", got, want)
}

// expectSameGroup compares groups; nil and empty policies or metadata are
// the same, but Policies must never be nil (it is a JSON list on the wire).
func expectSameGroup(t *testing.T, op string, got, want handlers.Group) {
	t.Helper()
	if got.Name != want.Name || !slices.Equal(got.Policies, want.Policies) || !maps.Equal(got.Metadata, want.Metadata) {
		t.Fatalf("%s(%q) = %+v, want %+v", op, want.Name, got, want)
	}
	if got.Policies == nil {
		t.Fatalf("%s(%q): Policies is nil, want an empty list", op, want.Name)
	}
}
