package policy_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"
)

// examples is the policy the project ships (deploy/policies), with its
// Rego unit tests.
const examples = "../../../deploy/policies"

// TestExamplePoliciesRegoTests runs the shipped policies' Rego unit tests
// (*_test.rego) with OPA's test runner, as `opa test deploy/policies` would.
func TestExamplePoliciesRegoTests(t *testing.T) {
	t.Parallel()
	results, err := tester.Run(context.Background(), examples)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) < 10 {
		t.Fatalf("%d Rego tests ran; the examples hold more", len(results))
	}
	for _, r := range results {
		if !r.Pass() {
			t.Errorf("%s.%s (%s): %v", r.Package, r.Name, r.Location, r)
		} else {
			t.Logf("%s.%s: PASS", r.Package, r.Name)
		}
	}
}
