package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/identity/bolt"
	"github.com/hypo-registry/registry/internal/secretpath"
)

func tenantRules(t *testing.T, mount, tenant string) string {
	t.Helper()
	hcl, err := secretpath.TenantPolicyHCL(mount, tenant)
	if err != nil {
		t.Fatal(err)
	}
	return hcl
}

func provision(c handlers.Caller) handlers.ProvisionTenant {
	return handlers.ProvisionTenant{Auth: idAuth(c)}
}

func TestProvisionTenantGivenWhenThen(t *testing.T) {
	t.Parallel()
	rules := tenantRules(t, "hypo", "tenant-a")
	const policy = "tenant-a_policy"
	provisioned := func(t *testing.T, s *bolt.Store, res handlers.Result) {
		t.Helper()
		wantPolicy(policy, rules)(t, s, res)
		wantGroup(handlers.Group{Name: "tenant-a", Policies: []string{policy}})(t, s, res)
		if res.Reply != nil && res.Reply != (handlers.TenantProvisioned{Group: "tenant-a", Policy: policy}) {
			t.Errorf("reply = %+v", res.Reply)
		}
	}
	otherGroup := createGroup(idPlatform, "tenant-a", "other")
	otherGroup.Metadata = nil
	runIdentityCases(t, []identityCase{
		{name: "provision", when: provision(idDev),
			wantEvents: []string{events.IdentityPolicyCreated, events.IdentityGroupCreated, events.IdentityTenantProvisioned},
			wantData: map[string]any{"group": "tenant-a", "policy": policy, "rulesSha256": sha(rules),
				"policyCreated": true, "actor": "alice"},
			then: provisioned},
		{name: "provision needs no role", when: provision(idNobody),
			wantEvents: []string{events.IdentityPolicyCreated, events.IdentityGroupCreated, events.IdentityTenantProvisioned},
			then:       provisioned},
		{name: "provisioned already", given: []handlers.Command{provision(idDev)}, when: provision(idDev),
			wantErr: handlers.ErrConflict, then: provisioned},
		{name: "policy left by a failed rollback", given: []handlers.Command{createPolicy(idPlatform, policy, rules)}, when: provision(idDev),
			wantEvents: []string{events.IdentityGroupCreated, events.IdentityTenantProvisioned},
			wantData:   map[string]any{"policyCreated": false}, then: provisioned},
		{name: "policy with other rules", given: []handlers.Command{createPolicy(idPlatform, policy, testRules)}, when: provision(idDev),
			wantErr: handlers.ErrConflict, then: func(t *testing.T, s *bolt.Store, res handlers.Result) {
				wantPolicy(policy, testRules)(t, s, res)
				if _, err := s.GetGroup(context.Background(), "tenant-a"); !errors.Is(err, handlers.ErrNotFound) {
					t.Errorf("group made over a foreign policy: %v", err)
				}
			}},
		{name: "group exists: policy rolled back", given: []handlers.Command{otherGroup}, when: provision(idDev),
			wantErr: handlers.ErrConflict, wantEvents: []string{events.IdentityTenantProvisionRolledBack},
			wantData: map[string]any{"group": "tenant-a", "policy": policy, "actor": "alice"},
			then: func(t *testing.T, s *bolt.Store, res handlers.Result) {
				wantNoPolicy(policy)(t, s, res)
				wantGroup(handlers.Group{Name: "tenant-a", Policies: []string{"other"}})(t, s, res)
			}},
		{name: "group exists, policy existed: policy kept", given: []handlers.Command{otherGroup, createPolicy(idPlatform, policy, rules)},
			when: provision(idDev), wantErr: handlers.ErrConflict, then: wantPolicy(policy, rules)},
		{name: "upper-case tenant", when: provision(handlers.Caller{Subject: "x", Tenant: "Tenant-A"}), wantErr: handlers.ErrInvalid, then: wantNoPolicy("tenant-a_policy")},
		{name: "no tenant", when: provision(handlers.Caller{Subject: "x"}), wantErr: handlers.ErrInvalid},
		{name: "wildcard tenant", when: provision(handlers.Caller{Subject: "x", Tenant: "a+b"}), wantErr: handlers.ErrInvalid},
	})
}

func TestProvisionTenantGrantsTheConfiguredMount(t *testing.T) {
	t.Parallel()
	store := newIdentityStore(t)
	h, err := handlers.NewIdentity(store, handlers.IdentityRoles{Admin: "admin", Platform: "platform-admin"}, "kv/hypo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.ProvisionTenant(context.Background(), provision(idDev)); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetPolicy(context.Background(), "tenant-a_policy")
	if err != nil {
		t.Fatal(err)
	}
	if want := tenantRules(t, "kv/hypo", "tenant-a"); got.Rules != want {
		t.Errorf("rules = %q, want %q", got.Rules, want)
	}
	for _, scope := range secretpath.Scopes {
		if !strings.Contains(got.Rules, `"kv/hypo/data/`+string(scope)+`/tenant-a/*"`) {
			t.Errorf("rules do not grant scope %s", scope)
		}
	}
}

// failingAdmin is the embedded store with chosen operations failing, for
// the failures the real store cannot be made to produce on demand.
type failingAdmin struct {
	*bolt.Store
	createGroup, deletePolicy error
}

func (f failingAdmin) CreateGroup(ctx context.Context, g handlers.Group) (handlers.Group, error) {
	if f.createGroup != nil {
		return handlers.Group{}, f.createGroup
	}
	return f.Store.CreateGroup(ctx, g)
}

func (f failingAdmin) DeletePolicy(ctx context.Context, name string) error {
	if f.deletePolicy != nil {
		return f.deletePolicy
	}
	return f.Store.DeletePolicy(ctx, name)
}

func TestProvisionTenantRollbackFailures(t *testing.T) {
	t.Parallel()
	down := fmt.Errorf("%w: backend down", handlers.ErrUnavailable)
	for _, tc := range []struct {
		name                   string
		createGroup, delPolicy error
		wantErr                error
		wantEvents             []string
		policyLeft             bool
	}{
		{name: "group backend down: rolled back, retried", createGroup: down,
			wantErr: handlers.ErrUnavailable, wantEvents: []string{events.IdentityTenantProvisionRolledBack}},
		{name: "rollback fails: group's error kept, policy reported", delPolicy: down,
			wantErr: handlers.ErrConflict, wantEvents: []string{events.IdentityPolicyCreated}, policyLeft: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store := newIdentityStore(t)
			ctx := context.Background()
			if _, err := store.CreateGroup(ctx, handlers.Group{Name: "tenant-a"}); err != nil {
				t.Fatal(err)
			}
			h := newIdentityOn(t, failingAdmin{Store: store, createGroup: tc.createGroup, deletePolicy: tc.delPolicy})
			res, err := h.ProvisionTenant(ctx, provision(idDev))
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == handlers.ErrConflict && handlers.Transient(err) {
				t.Errorf("a failed rollback made the error transient: %v", err)
			}
			if len(res.Events) != len(tc.wantEvents) || res.Events[0].Type != tc.wantEvents[0] {
				t.Errorf("events = %v, want %v", res.Events, tc.wantEvents)
			}
			_, perr := store.GetPolicy(ctx, "tenant-a_policy")
			if left := perr == nil; left != tc.policyLeft {
				t.Errorf("policy left = %v, want %v (err %v)", left, tc.policyLeft, err)
			}
			if tc.policyLeft && !strings.Contains(err.Error(), "rollback failed") {
				t.Errorf("error does not say the rollback failed: %v", err)
			}
		})
	}
}
