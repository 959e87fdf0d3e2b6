package registrytoken_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

func TestParseScope(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   string
		want registrytoken.Scope
	}{
		{"pull", "repository:library/alpine:pull", registrytoken.Scope{Type: "repository", Name: "library/alpine", Actions: []string{"pull"}}},
		{"pull and push", "repository:team-a/app:pull,push", registrytoken.Scope{Type: "repository", Name: "team-a/app", Actions: []string{"pull", "push"}}},
		{"host with port", "repository:localhost:5000/team/app:pull", registrytoken.Scope{Type: "repository", Name: "localhost:5000/team/app", Actions: []string{"pull"}}},
		{"dotted host with port", "repository:registry.example.com:443/a/b/c:push", registrytoken.Scope{Type: "repository", Name: "registry.example.com:443/a/b/c", Actions: []string{"push"}}},
		{"IPv6 host", "repository:[::1]:5000/app:pull", registrytoken.Scope{Type: "repository", Name: "[::1]:5000/app", Actions: []string{"pull"}}},
		{"catalog", "registry:catalog:*", registrytoken.Scope{Type: "registry", Name: "catalog", Actions: []string{"*"}}},
		{"class", "repository(plugin):vieux/sshfs:pull", registrytoken.Scope{Type: "repository", Class: "plugin", Name: "vieux/sshfs", Actions: []string{"pull"}}},
		{"no actions", "repository:app:", registrytoken.Scope{Type: "repository", Name: "app", Actions: []string{}}},
		{"separators", "repository:a.b_c__d--e/f:delete", registrytoken.Scope{Type: "repository", Name: "a.b_c__d--e/f", Actions: []string{"delete"}}},
		{"star among actions", "repository:app:pull,*", registrytoken.Scope{Type: "repository", Name: "app", Actions: []string{"pull", "*"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := registrytoken.ParseScope(tc.in)
			if err != nil {
				t.Fatalf("ParseScope(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseScope(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.in {
				t.Errorf("String() = %q, want %q", s, tc.in)
			}
		})
	}
}

func TestParseScopeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"no colon", "repository"},
		{"one colon", "repository:app"},
		{"empty type", ":app:pull"},
		{"upper-case type", "Repository:app:pull"},
		{"empty name", "repository::pull"},
		{"upper-case name", "repository:App:pull"},
		{"name with a port but no path", "repository:localhost:5000:pull"},
		{"port not numeric", "repository:localhost:http/app:pull"},
		{"leading slash", "repository:/app:pull"},
		{"trailing slash", "repository:app/:pull"},
		{"double slash", "repository:a//b:pull"},
		{"dot dot", "repository:a/../b:pull"},
		{"space in name", "repository:a b:pull"},
		{"empty action between commas", "repository:app:pull,,push"},
		{"trailing comma", "repository:app:pull,"},
		{"upper-case action", "repository:app:PULL"},
		{"action with digits", "repository:app:pull2"},
		{"unclosed class", "repository(plugin:app:pull"},
		{"empty class", "repository():app:pull"},
		{"text after class", "repository(plugin)x:app:pull"},
		{"control character", "repository:app\n:pull"},
		{"name too long", "repository:" + strings.Repeat("a", 256) + ":pull"},
		{"scope too long", "repository:a:" + strings.Repeat("pull,", 300) + "pull"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := registrytoken.ParseScope(tc.in)
			if !errors.Is(err, registrytoken.ErrInvalidScope) {
				t.Fatalf("ParseScope(%q) = %v, want ErrInvalidScope", tc.in, err)
			}
			if strings.Contains(err.Error(), tc.in) && tc.in != "" {
				t.Errorf("the error quotes the input: %v", err)
			}
		})
	}
}

func TestParseScopes(t *testing.T) {
	t.Parallel()
	got, err := registrytoken.ParseScopes([]string{
		"repository:a:pull",                   // GET form, one per parameter
		"repository:b:push repository:c:pull", // OAuth2 form, space-separated
		"  registry:catalog:*  ",              // stray spaces
		"",                                    // an empty parameter asks nothing
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b,c,catalog" {
		t.Errorf("names = %v", names)
	}
	if _, err := registrytoken.ParseScopes([]string{"repository:a:pull", "bad"}); err == nil || !strings.Contains(err.Error(), "scope 2") {
		t.Errorf("a bad second scope: %v, want an error naming scope 2", err)
	}
	many := strings.Repeat("repository:a:pull ", registrytoken.MaxScopes+1)
	if _, err := registrytoken.ParseScopes([]string{many}); !errors.Is(err, registrytoken.ErrInvalidScope) {
		t.Errorf("%d scopes: %v, want ErrInvalidScope", registrytoken.MaxScopes+1, err)
	}
}

// FuzzParseScope: the parser never panics, and whatever it accepts
// round-trips exactly, through String and through a second parse. The seeds
// run with every go test.
func FuzzParseScope(f *testing.F) {
	for _, s := range []string{
		"repository:library/alpine:pull",
		"repository:localhost:5000/team/app:pull,push",
		"registry:catalog:*",
		"repository(plugin):vieux/sshfs:pull",
		"repository:app:",
		"repository:a:b:c:d",
		":::",
		"repository:[::1]:5000/app:pull",
		"repository:a" + strings.Repeat("-", 64) + "b:pull",
		"repository(:x):pull",
		"\xff:\xfe:\xfd",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := registrytoken.ParseScope(in)
		if err != nil {
			if !errors.Is(err, registrytoken.ErrInvalidScope) {
				t.Fatalf("ParseScope(%q): error %v does not wrap ErrInvalidScope", in, err)
			}
			return
		}
		if out := s.String(); out != in {
			t.Fatalf("ParseScope(%q).String() = %q", in, out)
		}
		again, err := registrytoken.ParseScope(s.String())
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("second parse of %q: %+v, %v; want %+v", in, again, err, s)
		}
		if s.Actions == nil {
			t.Fatalf("ParseScope(%q): nil actions would marshal as null", in)
		}
	})
}
