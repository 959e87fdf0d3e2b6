package registrytoken_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func TestMatchPattern(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, name string
		want          bool
	}{
		{"team-a/app", "team-a/app", true},
		{"team-a/app", "team-a/app2", false},
		{"team-a/*", "team-a/app", true},
		{"team-a/*", "team-a", false},
		{"team-a/*", "team-a/x/app", false}, // * never crosses a segment
		{"team-a/*/*", "team-a/x/app", true},
		{"*", "alpine", true},
		{"*", "library/alpine", false},
		{"*/*", "library/alpine", true},
		{"team-*/app", "team-b/app", true},
		{"team-*/app", "other/app", false},
		{"*-prod/*", "web-prod/api", true},
		{"*-prod/*", "web-dev/api", false},
		{"a*b*c", "axxbyyc", true},
		{"a*b*c", "axxbyy", false},
		{"a*", "a", true}, // * may match nothing within the segment
		{"localhost:5000/*", "localhost:5000/app", true},
		{"*/team/*", "localhost:5000/team/app", true},
		{"Team/app", "team/app", false}, // case matters
	} {
		if got := registrytoken.MatchPattern(tc.pattern, tc.name); got != tc.want {
			t.Errorf("MatchPattern(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

func TestMatchPatternIsNotExponential(t *testing.T) {
	t.Parallel()
	pattern := strings.Repeat("a*", 60) + "b"
	name := strings.Repeat("a", 200)
	if registrytoken.MatchPattern(pattern, name) {
		t.Error("matched")
	}
}

func catalogue(t *testing.T) *registrytoken.Catalogue {
	t.Helper()
	c, err := registrytoken.NewCatalogue([]registrytoken.Plan{
		{Name: "community", Repositories: []registrytoken.Rule{
			{Pattern: "library/*", Actions: []string{"pull"}},
		}},
		{Name: "team", Repositories: []registrytoken.Rule{
			{Pattern: "library/*", Actions: []string{"pull"}},
			{Pattern: "team-a/*", Actions: []string{"pull", "push"}},
			{Pattern: "team-a/legacy", Actions: []string{"delete"}},
		}},
		{Name: "admin", Repositories: []registrytoken.Rule{
			{Pattern: "*/*", Actions: []string{"*"}},
			{Type: "registry", Pattern: "catalog", Actions: []string{"*"}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func scopes(t *testing.T, ss ...string) []registrytoken.Scope {
	t.Helper()
	out, err := registrytoken.ParseScopes(ss)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGrant(t *testing.T) {
	t.Parallel()
	c := catalogue(t)
	for _, tc := range []struct {
		name      string
		plan      string
		requested []string
		want      []string // granted scopes, String form
	}{
		{"allowed", "community", []string{"repository:library/alpine:pull"}, []string{"repository:library/alpine:pull"}},
		{"partial grant", "community", []string{"repository:library/alpine:pull,push"}, []string{"repository:library/alpine:pull"}},
		{"nothing allowed stays listed", "community", []string{"repository:team-a/app:pull"}, []string{"repository:team-a/app:"}},
		{"rules add up", "team", []string{"repository:team-a/legacy:pull,push,delete"}, []string{"repository:team-a/legacy:pull,push,delete"}},
		{"order kept, duplicates dropped", "team", []string{"repository:team-a/app:push,pull,push"}, []string{"repository:team-a/app:push,pull"}},
		{"same resource merged", "team", []string{"repository:team-a/app:pull", "repository:team-a/app:push"}, []string{"repository:team-a/app:pull,push"}},
		{"several resources", "team", []string{"repository:team-a/app:push", "repository:library/alpine:pull,push"},
			[]string{"repository:team-a/app:push", "repository:library/alpine:pull"}},
		{"star allows any action", "admin", []string{"repository:x/y:pull,delete"}, []string{"repository:x/y:pull,delete"}},
		{"star is granted only when allowed", "team", []string{"repository:team-a/app:*"}, []string{"repository:team-a/app:"}},
		{"catalog", "admin", []string{"registry:catalog:*"}, []string{"registry:catalog:*"}},
		{"catalog needs its type", "team", []string{"registry:catalog:*"}, []string{"registry:catalog:"}},
		{"a class passes through", "community", []string{"repository(plugin):library/x:pull"}, []string{"repository(plugin):library/x:pull"}},
		{"unknown plan grants nothing", "gold", []string{"repository:library/alpine:pull"}, []string{"repository:library/alpine:"}},
		{"no scopes", "team", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := c.Grant(tc.plan, scopes(t, tc.requested...))
			var gotS []string
			for _, s := range got {
				if s.Actions == nil {
					t.Errorf("%s: nil actions", s.Name)
				}
				gotS = append(gotS, s.String())
			}
			if !reflect.DeepEqual(gotS, tc.want) {
				t.Errorf("Grant(%s, %v) = %v, want %v", tc.plan, tc.requested, gotS, tc.want)
			}
		})
	}
}

func TestNewCatalogueRefuses(t *testing.T) {
	t.Parallel()
	rule := registrytoken.Rule{Pattern: "a/*", Actions: []string{"pull"}}
	for _, tc := range []struct {
		name  string
		plans []registrytoken.Plan
		want  string
	}{
		{"no name", []registrytoken.Plan{{Repositories: []registrytoken.Rule{rule}}}, "no name"},
		{"twice", []registrytoken.Plan{{Name: "p"}, {Name: "p"}}, "twice"},
		{"empty pattern", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Actions: []string{"pull"}}}}}, "pattern"},
		{"empty segment", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: "a//b", Actions: []string{"pull"}}}}}, "empty path segment"},
		{"bad character", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: "a/?", Actions: []string{"pull"}}}}}, "not allowed"},
		{"no actions", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: "a"}}}}, "no actions"},
		{"bad action", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: "a", Actions: []string{"Pull"}}}}}, "action"},
		{"bad type", []registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Type: "Repo", Pattern: "a", Actions: []string{"pull"}}}}}, "type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := registrytoken.NewCatalogue(tc.plans)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
