package vault_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/testkit"
)

// exchange logs jwt in at Vault the way the store does, returning a client
// holding the tenant-scoped token.
func exchange(t *testing.T, v *testkit.Vault, jwt string) *api.Client {
	t.Helper()
	client, err := v.Admin.Clone()
	if err != nil {
		t.Fatal(err)
	}
	client.ClearToken()
	secret, err := client.Logical().WriteWithContext(t.Context(), "auth/"+v.JWTMount+"/login", map[string]any{"role": v.Role, "jwt": jwt})
	if err != nil {
		t.Fatalf("jwt login: %v", err)
	}
	client.SetToken(secret.Auth.ClientToken)
	return client
}

// TestPolicyIsolatesTenants: with the adapter's own tenant check out of the
// way, Vault itself refuses tenant B's token every operation on tenant A's
// secret. Tenant A's token, the positive control, may do them.
func TestPolicyIsolatesTenants(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s := newStore(t, v)
	a, b := testkit.RandomTenant(t), testkit.RandomTenant(t)
	ca, cb := callerFor(t, v)(a), callerFor(t, v)(b)
	p := mustPath(t, a, "private")
	if _, err := s.Write(t.Context(), ca, p, handlers.SecretData{"password": "a-only"}, nil); err != nil {
		t.Fatalf("Write as A: %v", err)
	}
	// B's own folder works, so a refusal below is the policy, not a broken token.
	if _, err := s.Write(t.Context(), cb, mustPath(t, b, "mine"), handlers.SecretData{"k": "v"}, nil); err != nil {
		t.Fatalf("Write as B in B's folder: %v", err)
	}
	asA, asB := exchange(t, v, ca.Token), exchange(t, v, cb.Token)
	m := v.Mount
	ops := []struct {
		name string
		run  func(c *api.Client) error
	}{
		{"read data", func(c *api.Client) error { _, err := c.Logical().Read(m + "/data/" + p.String()); return err }},
		{"read version", func(c *api.Client) error {
			_, err := c.Logical().ReadWithData(m+"/data/"+p.String(), map[string][]string{"version": {"1"}})
			return err
		}},
		{"read metadata", func(c *api.Client) error { _, err := c.Logical().Read(m + "/metadata/" + p.String()); return err }},
		{"list folder", func(c *api.Client) error { _, err := c.Logical().List(m + "/metadata/image-pull/" + a); return err }},
		{"write", func(c *api.Client) error {
			_, err := c.Logical().Write(m+"/data/"+p.String(), map[string]any{"data": map[string]any{"password": "x"}, "options": map[string]any{"cas": 99}})
			return err
		}},
		{"soft delete", func(c *api.Client) error {
			_, err := c.Logical().Write(m+"/delete/"+p.String(), map[string]any{"versions": []int{99}})
			return err
		}},
		{"undelete", func(c *api.Client) error {
			_, err := c.Logical().Write(m+"/undelete/"+p.String(), map[string]any{"versions": []int{99}})
			return err
		}},
	}
	for _, op := range ops {
		var re *api.ResponseError
		if err := op.run(asB); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
			t.Errorf("%s with B's token: %v, want 403", op.name, err)
		}
		// The same call with A's token passes the ACL; it changes nothing
		// (cas 99 mismatches, version 99 does not exist).
		if err := op.run(asA); errors.As(err, &re) && re.StatusCode == http.StatusForbidden {
			t.Errorf("%s with A's token: %v, want allowed", op.name, err)
		}
	}
	for _, op := range []struct{ name, path string }{
		{"destroy versions", m + "/destroy/" + p.String()},
	} {
		var re *api.ResponseError
		if _, err := asB.Logical().Write(op.path, map[string]any{"versions": []int{99}}); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
			t.Errorf("%s with B's token: %v, want 403", op.name, err)
		}
	}
	var re *api.ResponseError
	if _, err := asB.Logical().Delete(m + "/metadata/" + p.String()); !errors.As(err, &re) || re.StatusCode != http.StatusForbidden {
		t.Errorf("delete metadata with B's token: %v, want 403", err)
	}
	got, err := s.Read(t.Context(), ca, p, 0)
	if err != nil || got.Version != 1 || got.Data["password"] != "a-only" || !got.Metadata.Versions[1].DeletionTime.IsZero() {
		t.Fatalf("A's secret after the attempts: version %d, deleted %v, err %v; want version 1 untouched",
			got.Version, got.Metadata.Versions[1].DeletionTime, err)
	}
}
