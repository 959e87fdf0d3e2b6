package authz_test

import (
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/security/authz"
)

// The decision matrix: every option (alone and as seed 002 combines them)
// × the caller's role × read / write / admin. Each row is the expected
// answer for the callers anonymous, no role, read-only, developer, admin,
// in that order: "+" allowed, "-" refused. Owner-only writes change no
// answer here: the credential handlers apply them (handlers.OwnerOnly,
// tested there) to the writers Decide allows.
func TestDecisionMatrix(t *testing.T) {
	t.Parallel()
	type access struct {
		name   string
		access authz.Access
		public bool
	}
	accesses := []access{
		{"read", authz.Read, false},
		{"read public", authz.Read, true},
		{"write", authz.Write, false},
		{"admin op", authz.Admin, false},
	}
	override := authz.AdminOverride{Enabled: true, Type: "claim", Claim: "org.superuser", ClaimValue: "yes"}
	for _, tc := range []struct {
		name string
		cfg  authz.Config
		// want[access] = answers for anonymous, none, read-only, developer, admin
		want map[string]string
	}{
		{"defaults (every option off)", authz.Config{}, map[string]string{
			"read": "-++++", "read public": "-++++", "write": "-++++", "admin op": "----+"}},
		{"role-based", authz.Config{RoleBased: true}, map[string]string{
			"read": "--+++", "read public": "--+++", "write": "---++", "admin op": "----+"}},
		{"role-based + authenticated read", authz.Config{RoleBased: true, AuthenticatedRead: true}, map[string]string{
			"read": "-++++", "read public": "-++++", "write": "---++", "admin op": "----+"}},
		{"owner-only", authz.Config{OwnerOnly: true}, map[string]string{
			"read": "-++++", "read public": "-++++", "write": "-++++", "admin op": "----+"}},
		{"role-based + owner-only", authz.Config{RoleBased: true, OwnerOnly: true}, map[string]string{
			"read": "--+++", "read public": "--+++", "write": "---++", "admin op": "----+"}},
		{"anonymous read", authz.Config{AnonymousRead: true}, map[string]string{
			"read": "-++++", "read public": "+++++", "write": "-++++", "admin op": "----+"}},
		{"everything", authz.Config{RoleBased: true, OwnerOnly: true, AuthenticatedRead: true, AnonymousRead: true}, map[string]string{
			"read": "-++++", "read public": "+++++", "write": "---++", "admin op": "----+"}},
		// The override makes the claim holder admin; the matrix callers do
		// not hold the claim, so it changes nothing for them.
		{"role-based + claim override", authz.Config{RoleBased: true, AdminOverride: override}, map[string]string{
			"read": "--+++", "read public": "--+++", "write": "---++", "admin op": "----+"}},
	} {
		cfg := tc.cfg.WithDefaults()
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		callers := []*authz.Caller{
			nil,
			{Subject: "me"},
			{Subject: "me", Roles: []string{"read-only"}},
			{Subject: "me", Roles: []string{"developer"}},
			{Subject: "me", Roles: []string{"admin"}},
		}
		for _, a := range accesses {
			var got strings.Builder
			for _, c := range callers {
				d := cfg.Decide(authz.Request{Caller: c, Access: a.access, Public: a.public})
				if d.Allow {
					got.WriteByte('+')
				} else {
					got.WriteByte('-')
					if d.Reason == "" {
						t.Errorf("%s / %s: a refusal without a reason", tc.name, a.name)
					}
				}
			}
			if want := tc.want[a.name]; got.String() != want {
				t.Errorf("%s / %s: got %s, want %s (anonymous, none, read-only, developer, admin)", tc.name, a.name, got.String(), want)
			}
		}
	}
}

func TestAdminOverride(t *testing.T) {
	t.Parallel()
	byRole := authz.Config{RoleBased: true, RoleSource: authz.SourceApplication, AdminOverride: authz.AdminOverride{Enabled: true, Role: "sr-admin"}}.WithDefaults()
	byClaim := authz.Config{RoleBased: true, AdminOverride: authz.AdminOverride{Enabled: true, Type: "claim", Claim: "org.superuser", ClaimValue: "yes"}}.WithDefaults()
	for _, tc := range []struct {
		name   string
		cfg    authz.Config
		caller authz.Caller
		admin  bool
	}{
		// Roles from the application: the override still reads the token.
		{"token role, no mapping", byRole, authz.Caller{Subject: "u", TokenRoles: []string{"sr-admin"}}, true},
		{"mapped role of that name is not the token's", byRole, authz.Caller{Subject: "u", Roles: []string{"sr-admin"}, TokenRoles: []string{}}, false},
		{"claim in a nested object", byClaim, authz.Caller{Subject: "u", Claims: map[string]any{"org": map[string]any{"superuser": "yes"}}}, true},
		{"claim in a list", byClaim, authz.Caller{Subject: "u", Claims: map[string]any{"org.superuser": []any{"no", "yes"}}}, true},
		{"claim with another value", byClaim, authz.Caller{Subject: "u", Claims: map[string]any{"org": map[string]any{"superuser": "no"}}}, false},
		{"no claim", byClaim, authz.Caller{Subject: "u"}, false},
	} {
		if err := tc.cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		d := tc.cfg.Decide(authz.Request{Caller: &tc.caller, Access: authz.Admin})
		if d.Allow != tc.admin || d.Admin != tc.admin {
			t.Errorf("%s: %+v, want admin %v", tc.name, d, tc.admin)
		}
		// An overriding admin writes, as admin: the Authorizer gives it the
		// admin role, so owner-only writes let it change what others own.
		if tc.admin {
			if d := tc.cfg.Decide(authz.Request{Caller: &tc.caller, Access: authz.Write}); !d.Allow || !d.Admin {
				t.Errorf("%s: override refused a write or not as admin: %+v", tc.name, d)
			}
		}
	}
}

func TestConfigValidateNamesTheSetting(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  authz.Config
		want string
	}{
		{authz.Config{RoleSource: "ldap"}, "REGISTRY_AUTHZ_ROLE_SOURCE"},
		{authz.Config{RoleSource: authz.SourceApplication}, "REGISTRY_AUTHZ_ROLE_BASED"},
		{authz.Config{AuthenticatedRead: true}, "REGISTRY_AUTHZ_ROLE_BASED"},
		{authz.Config{AdminRole: "x", DeveloperRole: "x"}, "four different names"},
		{authz.Config{PlatformAdminRole: "admin"}, "REGISTRY_PLATFORM_ADMIN_ROLE"},
		{authz.Config{AdminOverride: authz.AdminOverride{Enabled: true, Type: "claim"}}, "_CLAIM_VALUE"},
		{authz.Config{AdminOverride: authz.AdminOverride{Enabled: true, Type: "group"}}, "REGISTRY_AUTHZ_ADMIN_OVERRIDE_TYPE"},
	} {
		err := tc.cfg.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
	if err := (authz.Config{}).WithDefaults().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

// The platform admin role is an admin everywhere, honoured by the admin
// override whatever its type, and read from the token only: a tenant's
// role mappings cannot make anyone a platform admin.
func TestPlatformAdmin(t *testing.T) {
	t.Parallel()
	platform := &authz.Caller{Subject: "p", Roles: []string{"platform-admin"}}
	for _, cfg := range []authz.Config{
		{},
		{RoleBased: true},
		{AdminOverride: authz.AdminOverride{Enabled: true, Type: "claim", Claim: "x", ClaimValue: "y"}},
	} {
		d := cfg.WithDefaults().Decide(authz.Request{Caller: platform, Access: authz.Admin})
		if !d.Allow || !d.Admin {
			t.Errorf("%+v: platform admin refused admin access: %s", cfg, d.Reason)
		}
	}
	// A mapped role of that name is not the token's.
	mapped := &authz.Caller{Subject: "m", Roles: []string{"platform-admin"}, TokenRoles: []string{}}
	if d := (authz.Config{RoleBased: true}).WithDefaults().Decide(authz.Request{Caller: mapped, Access: authz.Admin}); d.Allow {
		t.Errorf("a role mapping named platform-admin was honoured")
	}
	if (authz.Config{}).WithDefaults().IsPlatformAdmin(&authz.Caller{Roles: []string{"admin"}}) {
		t.Errorf("a tenant admin is a platform admin")
	}
	custom := authz.Config{PlatformAdminRole: "ops-root"}.WithDefaults()
	if !custom.IsPlatformAdmin(&authz.Caller{Roles: []string{"ops-root"}}) || custom.IsPlatformAdmin(platform) {
		t.Errorf("REGISTRY_PLATFORM_ADMIN_ROLE not honoured")
	}
}
