package registrytoken_test

import (
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

// FuzzLoadFile: a configuration file LoadFile accepts writes back (as
// YAML) to one it reads the same, and its plans either form a catalogue or
// are refused by Validate: never a config that validates with plans the
// token service cannot index.
func FuzzLoadFile(f *testing.F) {
	for _, s := range []string{
		yamlConfig, "", "enabled: true\n", "enabld: true\n", "lifetime: 5\n", "lifetime: -1h\n", "plans: {name: x}\n",
		"plans:\n- name: a\n  repositories:\n  - pattern: 'x/*'\n    actions: [pull]\n- name: a\n",
		"plans:\n- name: a\n  repositories:\n  - pattern: 'x//y'\n    actions: ['PULL']\n",
		"enabled: true\n---\nenabled: false\n", "&a enabled: *a\n", "signing: {keyPath: /etc/k, keyPassword: sekrit}\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		file := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := registrytoken.LoadFile(file)
		if err != nil {
			return
		}
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("loaded %q, cannot write it: %v", b, err)
		}
		if err := os.WriteFile(file, out, 0o600); err != nil {
			t.Fatal(err)
		}
		back, err := registrytoken.LoadFile(file)
		if err != nil {
			t.Fatalf("loaded %q, wrote %q, which does not load: %v", b, out, err)
		}
		if again, _ := yaml.Marshal(back); string(again) != string(out) {
			t.Fatalf("loaded %q as\n%s\nwhich reads back as\n%s", b, out, again)
		}
		if cfg.WithDefaults().Validate() == nil {
			if _, err := registrytoken.NewCatalogue(cfg.Plans); err != nil {
				t.Fatalf("loaded %q: Validate accepts plans NewCatalogue refuses: %v", b, err)
			}
		}
	})
}

// FuzzParsePlans: REGISTRY_TOKEN_PLANS is decoded as the file's plans are,
// and a plan list it accepts round-trips through YAML and JSON.
func FuzzParsePlans(f *testing.F) {
	for _, s := range []string{
		`[{"name":"gold","repositories":[{"pattern":"*/*","actions":["pull","push"]}]}]`,
		"- name: community\n  repositories:\n  - pattern: library/*\n    actions: [pull]\n",
		"{name: x}", "[]", "[{}]", `[{"name":"a","extra":1}]`, `[{"name":"a","Name":"b"}]`, `[{"name":"a","name":"b"}]`, "\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		plans, err := registrytoken.ParsePlans(v)
		if err != nil || strings.TrimSpace(v) == "" {
			return
		}
		for _, enc := range []func(any) ([]byte, error){yaml.Marshal, jsonMarshal} {
			b, err := enc(plans)
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(string(b)) == "" {
				continue
			}
			back, err := registrytoken.ParsePlans(string(b))
			if err != nil {
				t.Fatalf("plans %q written as %q do not read back: %v", v, b, err)
			}
			x, _ := yaml.Marshal(back)
			y, _ := yaml.Marshal(plans)
			if string(x) != string(y) {
				t.Fatalf("plans %q read back from %q as %s, want %s", v, b, x, y)
			}
		}
	})
}

// FuzzMatchPattern checks the plan glob against path.Match, which has the
// same meaning for the characters a valid pattern may hold: "*" matches a
// run of characters within one segment.
func FuzzMatchPattern(f *testing.F) {
	for _, c := range [][2]string{{"team-a/*", "team-a/app"}, {"team-a/*", "team-a/x/app"}, {"*", "a"}, {"*/*", "a/b"},
		{"a*b*c", "aXbYc"}, {"a*", ""}, {"*a", "aaa"}, {"library/alpine", "library/alpine"}, {"x", "x/"}, {"**", "abc"}} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		_, err := registrytoken.NewCatalogue([]registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{{Pattern: pattern, Actions: []string{"pull"}}}}})
		if err != nil {
			return
		}
		want, err := path.Match(pattern, name)
		if err != nil {
			t.Fatalf("valid pattern %q is not a path.Match pattern: %v", pattern, err)
		}
		if got := registrytoken.MatchPattern(pattern, name); got != want {
			t.Fatalf("MatchPattern(%q, %q) = %v, path.Match says %v", pattern, name, got, want)
		}
	})
}

// FuzzParseScopes: at most MaxScopes, each written back as its field, and
// a plan grants only actions that were asked for.
func FuzzParseScopes(f *testing.F) {
	f.Add("repository:library/alpine:pull repository:team-a/app:pull,push", "registry:catalog:*")
	f.Add(strings.Repeat("repository:a:pull ", 65), "")
	f.Add("repository:a:pull\trepository:b:push", "repository:a:")
	f.Add("repository:a:pull,pull", "\xff")
	cat, err := registrytoken.NewCatalogue([]registrytoken.Plan{{Name: "p", Repositories: []registrytoken.Rule{
		{Pattern: "library/*", Actions: []string{"pull"}}, {Pattern: "team-a/*", Actions: []string{"*"}}, {Type: "registry", Pattern: "catalog", Actions: []string{"*"}},
	}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p1, p2 string) {
		scopes, err := registrytoken.ParseScopes([]string{p1, p2})
		if err != nil {
			if !strings.Contains(err.Error(), registrytoken.ErrInvalidScope.Error()) {
				t.Fatalf("ParseScopes: %v", err)
			}
			return
		}
		fields := append(strings.Fields(p1), strings.Fields(p2)...)
		if len(scopes) > registrytoken.MaxScopes || len(scopes) != len(fields) {
			t.Fatalf("%d scopes from %d fields", len(scopes), len(fields))
		}
		for i, s := range scopes {
			if s.String() != fields[i] {
				t.Fatalf("scope %d written as %q, was %q", i, s, fields[i])
			}
		}
		for _, g := range cat.Grant("p", scopes) {
			for _, a := range g.Actions {
				if !slices.ContainsFunc(scopes, func(s registrytoken.Scope) bool {
					return s.Type == g.Type && s.Class == g.Class && s.Name == g.Name && slices.Contains(s.Actions, a)
				}) {
					t.Fatalf("granted %q on %v, never asked", a, g)
				}
			}
		}
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
