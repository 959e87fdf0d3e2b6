package vault_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/testkit"
)

// TestDefaultPolicyWarnedOnce: a role that hands out tokens with Vault's
// default policy (a deployment's own role without token_no_default_policy)
// gets one WARN naming the fix, however many logins follow; the role
// testkit and deploy/vault/init.sh write gets none.
func TestDefaultPolicyWarnedOnce(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	const withDefault = "registry-with-default-policy"
	if _, err := v.Admin.Logical().WriteWithContext(t.Context(), "auth/"+v.JWTMount+"/role/"+withDefault, map[string]any{
		"role_type": "jwt", "user_claim": "sub", "groups_claim": "groups",
		"bound_audiences": []string{testkit.Audience}, "token_ttl": "15m", "token_max_ttl": "1h",
	}); err != nil {
		t.Fatalf("write role %s: %v", withDefault, err)
	}
	callers := callerFor(t, v)
	for _, tc := range []struct {
		role  string
		warns int
	}{{v.Role, 0}, {withDefault, 1}} {
		var logs testkit.SyncBuffer
		s := newStore(t, v, func(c *vault.Config) { c.Role = tc.role })
		s.SetLogger(slog.New(slog.NewJSONHandler(&logs, nil)))
		for range 2 { // two callers: two logins
			tenant := testkit.RandomTenant(t)
			if _, err := s.List(t.Context(), callers(tenant), "image-pull", tenant); err != nil {
				t.Fatalf("role %s: List: %v", tc.role, err)
			}
		}
		if _, misses := s.Stats(); misses != 2 {
			t.Fatalf("role %s: %d logins, want 2", tc.role, misses)
		}
		if n := bytes.Count(logs.Bytes(), []byte("token_no_default_policy=true")); n != tc.warns {
			t.Errorf("role %s: %d warnings about the default policy, want %d; logs:\n%s", tc.role, n, tc.warns, logs.Bytes())
		}
	}
}
