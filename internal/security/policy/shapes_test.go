package policy_test

import (
	"context"
	"testing"

	"github.com/hypo-registry/registry/internal/security/policy"
)

// A decision kept for a request shape must be one no request of that
// shape could change: whatever the policy reads of the caller, the time,
// the name, or a non-deterministic built-in keeps it evaluated per
// request.
func TestKeptDecisionsNeverHideADependency(t *testing.T) {
	t.Parallel()
	route := "/registry-api/image-pull/secret/{name}"
	for _, tc := range []struct {
		name, src string
		// first is asked first (and would be kept if constant), then
		// second, of the same shape, must get its own answer.
		first, second *policy.Input
		secondAllow   bool
	}{
		{"caller", "package registry.authz\n\ndefault allow := true\n\nallow := false if input.caller.subject == \"mallory\"\n",
			restGet(route, "image-pull", monday10), withSubject(restGet(route, "image-pull", monday10), "mallory"), false},
		{"time", "package registry.authz\n\ndefault allow := true\n\nallow := false if time.clock([input.time.ns, \"UTC\"])[0] >= 19\n",
			restGet(route, "image-pull", monday10), restGet(route, "image-pull", monday22), false},
		{"name", "package registry.authz\n\ndefault allow := true\n\nallow := false if input.resource.name == \"frozen\"\n",
			restGet(route, "image-pull", monday10), withName(restGet(route, "image-pull", monday10), "frozen"), false},
		{"whole input", "package registry.authz\n\ndefault allow := true\n\nallow := false if {\n\tsome k, v in input.caller\n\tk == \"subject\"\n\tv == \"mallory\"\n}\n",
			restGet(route, "image-pull", monday10), withSubject(restGet(route, "image-pull", monday10), "mallory"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := policy.Load(context.Background(), policy.Config{Path: writePolicy(t, t.TempDir(), "p.rego", tc.src), Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			for range 3 {
				if d := e.Decide(context.Background(), tc.first); !d.Allow {
					t.Fatalf("first: %+v", d)
				}
				if d := e.Decide(context.Background(), tc.second); d.Allow != tc.secondAllow {
					t.Fatalf("second: %+v, want allow %v", d, tc.secondAllow)
				}
			}
		})
	}
}

// A non-deterministic built-in is never taken for a constant.
func TestKeptDecisionsNeverHideNondeterminism(t *testing.T) {
	t.Parallel()
	src := "package registry.authz\n\ndefault allow := true\n\nallow := false if rand.intn(\"coin\", 2) == 0\n"
	e, err := policy.Load(context.Background(), policy.Config{Path: writePolicy(t, t.TempDir(), "p.rego", src), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[bool]int{}
	for range 200 {
		seen[e.Decide(context.Background(), restGet("/r", "image-pull", monday10)).Allow]++
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("a coin flip decided %v", seen)
	}
}

// A constant deny is kept with its reason, and counted each time.
func TestKeptDenyKeepsItsReason(t *testing.T) {
	t.Parallel()
	src := "package registry.authz\n\ndefault allow := true\n\nallow := {\"allow\": false, \"reason\": \"admin routes are closed\"} if input.resource.scope == \"admin\"\n"
	e, err := policy.Load(context.Background(), policy.Config{Path: writePolicy(t, t.TempDir(), "p.rego", src), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if d := e.Decide(context.Background(), restGet("/registry-api/admin/logs", "admin", monday10)); d.Allow || d.Reason != "admin routes are closed" {
			t.Fatalf("got %+v", d)
		}
	}
	if n := e.Stats().Decisions[policy.DecisionKey{EntryPoint: policy.EntryREST, Outcome: policy.OutcomeDeny}]; n != 3 {
		t.Errorf("denies counted: %d, want 3", n)
	}
}

func withSubject(in *policy.Input, s string) *policy.Input { in.Caller.Subject = s; return in }
func withName(in *policy.Input, n string) *policy.Input    { in.Resource.Name = n; return in }
