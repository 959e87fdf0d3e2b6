package handlers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/bolt"
)

// A tenant admin administers its own tenant's group and policy, nothing
// else: another tenant's is not found (as another tenant's secret), a
// create naming another's is forbidden, and only its own policy may be
// given to its group. The platform admin does all of it.

const (
	rulesA        = `path "hypo/data/image-pull/tenant-a/*" { capabilities = ["read"] }`
	rulesBothA    = `path "hypo/data/image-pull/tenant-a/*" { capabilities = ["read"] } path "hypo/metadata/fabric-secret/tenant-a" { capabilities = ["list"] }`
	rulesOfB      = `path "hypo/data/image-pull/tenant-b/*" { capabilities = ["read"] }`
	rulesAnyone   = `path "hypo/data/image-pull/+/*" { capabilities = ["read"] }`
	rulesPrefixA  = `path "hypo/data/image-pull/tenant-a*" { capabilities = ["read"] }`
	rulesTemplate = `path "hypo/data/image-pull/{{identity.entity.name}}/*" { capabilities = ["read"] }`
	rulesOtherMnt = `path "secret/data/tenant-a/*" { capabilities = ["read"] }`
	rulesDotDot   = `path "hypo/data/image-pull/tenant-a/../tenant-b/*" { capabilities = ["read"] }`
)

// tenantB is what the platform admin made for tenant-b before each case.
var tenantB = []handlers.Command{
	createPolicy(idPlatform, "tenant-b_policy", rulesOfB),
	handlers.CreateGroup{Auth: idAuth(idPlatform), Name: "tenant-b", Policies: []string{"tenant-b_policy"}},
}

func withB(cmds ...handlers.Command) []handlers.Command {
	return append(append([]handlers.Command{}, tenantB...), cmds...)
}

// bUnchanged checks tenant-b's group and policy are as the platform admin made them.
func bUnchanged(t *testing.T, s *bolt.Store, _ handlers.Result) {
	t.Helper()
	g, err := s.GetGroup(context.Background(), "tenant-b")
	if err != nil || len(g.Policies) != 1 || g.Policies[0] != "tenant-b_policy" {
		t.Errorf("tenant-b's group = %+v, %v; want it holding tenant-b_policy only", g, err)
	}
	if p, err := s.GetPolicy(context.Background(), "tenant-b_policy"); err != nil || p.Rules != rulesOfB {
		t.Errorf("tenant-b's policy = %+v, %v; want its rules unchanged", p, err)
	}
}

func TestIdentityTenantAdminReachesItsOwnTenantOnly(t *testing.T) {
	t.Parallel()
	a := idAuth(idAdmin)
	runIdentityCases(t, []identityCase{
		// Its own tenant: everything.
		{name: "own policy and group", given: []handlers.Command{createPolicy(idAdmin, "tenant-a_policy", rulesA)},
			when:       handlers.CreateGroup{Auth: a, Name: "tenant-a", Policies: []string{"TENANT-A_policy"}},
			wantEvents: []string{events.IdentityGroupCreated},
			then:       wantGroup(handlers.Group{Name: "tenant-a", Policies: []string{"tenant-a_policy"}})},
		{name: "own policy with rules inside its folders", when: createPolicy(idAdmin, "tenant-a_policy", rulesBothA),
			wantEvents: []string{events.IdentityPolicyCreated}, then: wantPolicy("tenant-a_policy", rulesBothA)},
		{name: "own group read", given: []handlers.Command{handlers.CreateGroup{Auth: a, Name: "tenant-a"}},
			when: handlers.GetGroup{Auth: a, Name: "Tenant-A"}, wantEvents: []string{events.IdentityGroupRead}},
		{name: "own policy delete", given: []handlers.Command{createPolicy(idAdmin, "tenant-a_policy", rulesA)},
			when: handlers.DeletePolicy{Auth: a, Name: "tenant-a_policy"}, wantEvents: []string{events.IdentityPolicyDeleted}},

		// Another tenant's: not found, and nothing changes.
		{name: "get another tenant's group", given: tenantB, when: handlers.GetGroup{Auth: a, Name: "tenant-b"}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "get another tenant's policy", given: tenantB, when: handlers.GetPolicy{Auth: a, Name: "tenant-b_policy"}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "patch another tenant's group", given: tenantB,
			when: handlers.UpdateGroup{Auth: a, Name: "tenant-b", Policies: &[]string{}}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "delete another tenant's group", given: tenantB, when: handlers.DeleteGroup{Auth: a, Name: "TENANT-B"}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "delete another tenant's policy", given: tenantB, when: handlers.DeletePolicy{Auth: a, Name: "tenant-b_policy"}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "patch another tenant's policy", given: tenantB, when: handlers.UpdatePolicy{Auth: a, Name: "tenant-b_policy", Rules: rulesA}, wantErr: handlers.ErrNotFound, then: bUnchanged},
		{name: "a name of no tenant's", when: handlers.GetPolicy{Auth: a, Name: "shared"}, wantErr: handlers.ErrNotFound},

		// Creating what is not its own: forbidden.
		{name: "create another tenant's group", when: handlers.CreateGroup{Auth: a, Name: "tenant-b"}, wantErr: handlers.ErrForbidden},
		{name: "create a group of no tenant", when: handlers.CreateGroup{Auth: a, Name: "ops"}, wantErr: handlers.ErrForbidden},
		{name: "create a policy of no tenant", when: createPolicy(idAdmin, "shared", rulesA), wantErr: handlers.ErrForbidden},

		// Its group holds its own policy only.
		{name: "give its group another tenant's policy", given: withB(handlers.CreateGroup{Auth: a, Name: "tenant-a", Policies: []string{"tenant-a_policy"}}),
			when:    handlers.UpdateGroup{Auth: a, Name: "tenant-a", Policies: &[]string{"tenant-a_policy", "tenant-b_policy"}},
			wantErr: handlers.ErrForbidden,
			then: func(t *testing.T, s *bolt.Store, r handlers.Result) {
				wantGroup(handlers.Group{Name: "tenant-a", Policies: []string{"tenant-a_policy"}})(t, s, r)
				bUnchanged(t, s, r)
			}},
		{name: "create its group with another tenant's policy", given: tenantB,
			when: handlers.CreateGroup{Auth: a, Name: "tenant-a", Policies: []string{"tenant-b_policy"}}, wantErr: handlers.ErrForbidden},

		// Its policy grants its own folders only.
		{name: "rules of another tenant", when: createPolicy(idAdmin, "tenant-a_policy", rulesOfB), wantErr: handlers.ErrForbidden},
		{name: "rules with a tenant wildcard", when: createPolicy(idAdmin, "tenant-a_policy", rulesAnyone), wantErr: handlers.ErrForbidden},
		{name: "rules with a prefix glob", when: createPolicy(idAdmin, "tenant-a_policy", rulesPrefixA), wantErr: handlers.ErrForbidden},
		{name: "rules with a template", when: createPolicy(idAdmin, "tenant-a_policy", rulesTemplate), wantErr: handlers.ErrForbidden},
		{name: "rules of another mount", when: createPolicy(idAdmin, "tenant-a_policy", rulesOtherMnt), wantErr: handlers.ErrForbidden},
		{name: "rules stepping out with dot-dot", when: createPolicy(idAdmin, "tenant-a_policy", rulesDotDot), wantErr: handlers.ErrForbidden},
		{name: "update to wider rules", given: []handlers.Command{createPolicy(idAdmin, "tenant-a_policy", rulesA)},
			when: handlers.UpdatePolicy{Auth: a, Name: "tenant-a_policy", Rules: rulesAnyone}, wantErr: handlers.ErrForbidden,
			then: wantPolicy("tenant-a_policy", rulesA)},

		// The platform admin reaches every tenant; its events are the tenant's.
		{name: "platform admin patches another tenant's group", given: tenantB,
			when:       handlers.UpdateGroup{Auth: idAuth(idPlatform), Name: "tenant-b", Policies: &[]string{"tenant-b_policy", "shared"}},
			wantEvents: []string{events.IdentityGroupUpdated}, wantTenant: "tenant-b",
			then: wantGroup(handlers.Group{Name: "tenant-b", Policies: []string{"shared", "tenant-b_policy"}})},
		{name: "platform admin writes any rules", when: createPolicy(idPlatform, "tenant-b_policy", rulesAnyone),
			wantEvents: []string{events.IdentityPolicyCreated}, wantTenant: "tenant-b", then: wantPolicy("tenant-b_policy", rulesAnyone)},
		{name: "platform admin deletes another tenant's policy", given: tenantB,
			when: handlers.DeletePolicy{Auth: idAuth(idPlatform), Name: "tenant-b_policy"}, wantEvents: []string{events.IdentityPolicyDeleted}, wantTenant: "tenant-b"},
	})
}

func TestProvisionTenantForAnotherTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := newIdentityStore(t)
	h := newIdentityOn(t, store)

	if _, err := h.ProvisionTenant(ctx, handlers.ProvisionTenant{Auth: idAuth(idAdmin), Tenant: "tenant-b"}); !errors.Is(err, handlers.ErrForbidden) {
		t.Fatalf("tenant-a's admin provisioning tenant-b: %v, want forbidden", err)
	}
	if _, err := store.GetGroup(ctx, "tenant-b"); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("tenant-b's group after a refused flow: %v", err)
	}
	res, err := h.ProvisionTenant(ctx, handlers.ProvisionTenant{Auth: idAuth(idPlatform), Tenant: "tenant-b"})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Reply.(handlers.TenantProvisioned); got.Group != "tenant-b" || got.Policy != "tenant-b_policy" {
		t.Errorf("reply %+v", got)
	}
	for _, e := range res.Events {
		if e.Tenant != "tenant-b" {
			t.Errorf("event %s is tenant %q's, want tenant-b's", e.Type, e.Tenant)
		}
	}
	// The caller's own tenant named explicitly is the plain flow, for anyone.
	if _, err := h.ProvisionTenant(ctx, handlers.ProvisionTenant{Auth: idAuth(idAdmin), Tenant: "tenant-a"}); err != nil {
		t.Errorf("tenant-a's admin naming its own tenant: %v", err)
	}
}
