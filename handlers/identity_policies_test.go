package handlers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/bolt"
)

const otherRules = `path "hypo/data/image-pull/tenant-a/*" { capabilities = ["read", "list"] }`

func createPolicy(c handlers.Caller, name, rules string) handlers.CreatePolicy {
	return handlers.CreatePolicy{Auth: idAuth(c), Name: name, Rules: rules}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// wantPolicy checks the stored policy after the command.
func wantPolicy(name, rules string) func(*testing.T, *bolt.Store, handlers.Result) {
	return func(t *testing.T, s *bolt.Store, res handlers.Result) {
		t.Helper()
		got, err := s.GetPolicy(context.Background(), name)
		if err != nil {
			t.Fatalf("stored policy: %v", err)
		}
		if got.Name != name || got.Rules != rules {
			t.Errorf("stored policy = %+v, want %s with %q", got, name, rules)
		}
		if reply, ok := res.Reply.(handlers.Policy); ok && reply != got {
			t.Errorf("reply = %+v, want %+v", reply, got)
		}
	}
}

func wantNoPolicy(name string) func(*testing.T, *bolt.Store, handlers.Result) {
	return func(t *testing.T, s *bolt.Store, _ handlers.Result) {
		t.Helper()
		if p, err := s.GetPolicy(context.Background(), name); err == nil {
			t.Errorf("policy %s exists: %+v", name, p)
		}
	}
}

func TestIdentityPoliciesGivenWhenThen(t *testing.T) {
	t.Parallel()
	get := func(c handlers.Caller, name string) handlers.GetPolicy {
		return handlers.GetPolicy{Auth: idAuth(c), Name: name}
	}
	update := func(c handlers.Caller, name, rules string) handlers.UpdatePolicy {
		return handlers.UpdatePolicy{Auth: idAuth(c), Name: name, Rules: rules}
	}
	del := func(c handlers.Caller, name string) handlers.DeletePolicy {
		return handlers.DeletePolicy{Auth: idAuth(c), Name: name}
	}
	given := []handlers.Command{createPolicy(idPlatform, "p1", testRules)}
	runIdentityCases(t, []identityCase{
		{name: "create", when: createPolicy(idPlatform, "p1", testRules),
			wantEvents: []string{events.IdentityPolicyCreated},
			wantData:   map[string]any{"name": "p1", "rulesSha256": sha(testRules), "actor": "root"},
			then:       wantPolicy("p1", testRules)},
		{name: "create stores the name lower case", when: createPolicy(idPlatform, "Team-P1", testRules),
			wantEvents: []string{events.IdentityPolicyCreated}, wantData: map[string]any{"name": "team-p1"},
			then: wantPolicy("team-p1", testRules)},
		{name: "create as developer", when: createPolicy(idDev, "p1", testRules), wantErr: handlers.ErrForbidden, then: wantNoPolicy("p1")},
		{name: "create as read-only", when: createPolicy(idReader, "p1", testRules), wantErr: handlers.ErrForbidden},
		{name: "create without a role", when: createPolicy(idNobody, "p1", testRules), wantErr: handlers.ErrForbidden},
		{name: "create existing", given: given, when: createPolicy(idPlatform, "P1", otherRules), wantErr: handlers.ErrConflict, then: wantPolicy("p1", testRules)},
		{name: "create with bad HCL", when: createPolicy(idPlatform, "p1", `path "x" {`), wantErr: handlers.ErrInvalid, then: wantNoPolicy("p1")},
		{name: "create with unknown capability", when: createPolicy(idPlatform, "p1", `path "x" { capabilities = ["fly"] }`), wantErr: handlers.ErrInvalid},
		{name: "create without rules", when: createPolicy(idPlatform, "p1", ""), wantErr: handlers.ErrInvalid},
		{name: "create root", when: createPolicy(idPlatform, "root", testRules), wantErr: handlers.ErrInvalid},
		{name: "create default", when: createPolicy(idPlatform, "Default", testRules), wantErr: handlers.ErrInvalid},
		{name: "create with slash name", when: createPolicy(idPlatform, "a/b", testRules), wantErr: handlers.ErrInvalid},

		{name: "get", given: given, when: get(idPlatform, "P1"),
			wantEvents: []string{events.IdentityPolicyRead}, wantData: map[string]any{"name": "p1", "rulesSha256": sha(testRules)},
			then: wantPolicy("p1", testRules)},
		{name: "get missing", when: get(idPlatform, "p1"), wantErr: handlers.ErrNotFound},
		{name: "get as developer", given: given, when: get(idDev, "p1"), wantErr: handlers.ErrForbidden},

		{name: "update", given: given, when: update(idPlatform, "p1", otherRules),
			wantEvents: []string{events.IdentityPolicyUpdated},
			wantData:   map[string]any{"name": "p1", "rulesSha256": sha(otherRules), "previousRulesSha256": sha(testRules)},
			then:       wantPolicy("p1", otherRules)},
		{name: "update missing", when: update(idPlatform, "p1", otherRules), wantErr: handlers.ErrNotFound, then: wantNoPolicy("p1")},
		{name: "update with bad HCL", given: given, when: update(idPlatform, "p1", `path {`), wantErr: handlers.ErrInvalid, then: wantPolicy("p1", testRules)},
		{name: "update without rules", given: given, when: update(idPlatform, "p1", ""), wantErr: handlers.ErrInvalid, then: wantPolicy("p1", testRules)},
		{name: "update as developer", given: given, when: update(idDev, "p1", otherRules), wantErr: handlers.ErrForbidden, then: wantPolicy("p1", testRules)},

		{name: "delete", given: given, when: del(idPlatform, "p1"),
			wantEvents: []string{events.IdentityPolicyDeleted}, wantData: map[string]any{"name": "p1", "actor": "root"},
			then: wantNoPolicy("p1")},
		{name: "delete missing", when: del(idPlatform, "p1"), wantErr: handlers.ErrNotFound},
		{name: "delete as no-role", given: given, when: del(idNobody, "p1"), wantErr: handlers.ErrForbidden, then: wantPolicy("p1", testRules)},
	})
}
