package authz_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// mappings answers one role for every caller: a tenant's role mappings.
type mappings string

func (m mappings) Role(context.Context, string, string) (string, bool, error) {
	return string(m), m != "", nil
}

// With roles from the application, the token's platform admin role is kept
// (the handlers' tenant checks see it), and a mapping cannot grant it.
func TestAuthorizerKeepsThePlatformRoleFromTheToken(t *testing.T) {
	t.Parallel()
	cfg := authz.Config{RoleBased: true, RoleSource: authz.SourceApplication}
	for _, tc := range []struct {
		name       string
		mapped     string
		tokenRoles []string
		allowed    bool
		want       []string
	}{
		{"platform admin without a mapping", "", []string{"platform-admin"}, true, []string{"admin", "platform-admin"}},
		{"platform admin mapped developer", "developer", []string{"platform-admin"}, true, []string{"developer", "admin", "platform-admin"}},
		{"mapped to a role named platform-admin", "platform-admin", []string{"developer"}, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := authz.NewAuthorizer(cfg, mappings(tc.mapped))
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Authorize(t.Context(), auth.Principal{Subject: "s", Tenant: "t", Roles: tc.tokenRoles}, authz.Admin)
			if (err == nil) != tc.allowed {
				t.Fatalf("allowed = %v (%v), want %v", err == nil, err, tc.allowed)
			}
			if tc.allowed && !slices.Equal(p.Roles, tc.want) {
				t.Errorf("effective roles %v, want %v", p.Roles, tc.want)
			}
		})
	}
}
