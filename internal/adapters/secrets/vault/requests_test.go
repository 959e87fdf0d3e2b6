package vault_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/vault"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/testkit"
)

// countedStore is a store whose every Vault request passes a counter.
func countedStore(t *testing.T, v *testkit.Vault) (*vault.Store, *testkit.VaultCounter) {
	t.Helper()
	counter := testkit.CountVault(t, v)
	return newStore(t, v, func(c *vault.Config) { c.Addr = counter.Addr }), counter
}

// readAs reads version of p, wants its data to be want and the read to have
// cost wantRequests Vault requests on p, and wants the metadata the read
// returns to be the metadata Vault holds for p.
func readAs(t *testing.T, s *vault.Store, counter *testkit.VaultCounter, c handlers.Caller, p secretpath.Path, version int, want string, wantRequests int) handlers.Secret {
	t.Helper()
	counter.Take("")
	sec, err := s.Read(t.Context(), c, p, version)
	if err != nil {
		t.Fatalf("Read %s version %d: %v", p, version, err)
	}
	if got := counter.Take(p.String()); len(got) != wantRequests {
		t.Errorf("Read %s version %d: %d Vault requests %q, want %d", p, version, len(got), got, wantRequests)
	}
	if sec.Data["k"] != want {
		t.Errorf("Read %s version %d: k = %q, want %q", p, version, sec.Data["k"], want)
	}
	meta, err := s.Metadata(t.Context(), c, p)
	if err != nil {
		t.Fatalf("Metadata %s: %v", p, err)
	}
	got := sec.Metadata
	if got.CurrentVersion != meta.CurrentVersion || !got.CreatedTime.Equal(meta.CreatedTime) || !got.UpdatedTime.Equal(meta.UpdatedTime) {
		t.Errorf("Read %s version %d: metadata current %d created %v updated %v, Vault's: current %d created %v updated %v", p, version,
			got.CurrentVersion, got.CreatedTime, got.UpdatedTime, meta.CurrentVersion, meta.CreatedTime, meta.UpdatedTime)
	}
	if vm, ok := got.Versions[sec.Version]; !ok || !vm.CreatedTime.Equal(meta.Versions[sec.Version].CreatedTime) {
		t.Errorf("Read %s version %d: version %d metadata %+v, Vault's %+v", p, version, sec.Version, vm, meta.Versions[sec.Version])
	}
	return sec
}

func write(t *testing.T, s *vault.Store, c handlers.Caller, p secretpath.Path, value string) {
	t.Helper()
	if _, err := s.Write(t.Context(), c, p, handlers.SecretData{"k": value}, nil); err != nil {
		t.Fatalf("Write %s: %v", p, err)
	}
}

// TestReadCurrentIsOneRequest: a read of the current version is one Vault
// request, for a first version and for a later one alike, and returns the
// metadata a metadata read would; a read of an older version may read the
// metadata too.
func TestReadCurrentIsOneRequest(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s, counter := countedStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	p := mustPath(t, tenant, "one-request")

	write(t, s, c, p, "v1")
	readAs(t, s, counter, c, p, 0, "v1", 1)
	write(t, s, c, p, "v2")
	readAs(t, s, counter, c, p, 0, "v2", 1)
	write(t, s, c, p, "v3")
	sec := readAs(t, s, counter, c, p, 0, "v3", 1)
	if sec.Version != 3 {
		t.Errorf("current version %d, want 3", sec.Version)
	}
	old := readAs(t, s, counter, c, p, 1, "v1", 2)
	if old.Version != 1 || old.Metadata.CurrentVersion != 3 {
		t.Errorf("version 1: version %d, current %d; want 1, 3", old.Version, old.Metadata.CurrentVersion)
	}
}

// TestReadSecretWithoutCreatedTime: a later version written without the
// creation time in custom_metadata (before this store recorded it, or by
// another client) still reads correctly, from a metadata read as well; the
// store's next write records it.
func TestReadSecretWithoutCreatedTime(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s, counter := countedStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	p := mustPath(t, tenant, "old-style")

	write(t, s, c, p, "v1")
	// Version 2 straight to Vault with the tenant's own token.
	direct := exchange(t, v, c.Token)
	if _, err := direct.Logical().WriteWithContext(t.Context(), v.Mount+"/data/"+p.String(), map[string]any{"data": map[string]any{"k": "v2"}}); err != nil {
		t.Fatalf("direct write: %v", err)
	}
	readAs(t, s, counter, c, p, 0, "v2", 2)
	write(t, s, c, p, "v3")
	readAs(t, s, counter, c, p, 0, "v3", 1)
}

// TestTenantPolicyWithoutMetadataUpdate: a tenant provisioned before its
// policy granted metadata update still writes and reads correctly (reads
// of later versions cost the metadata read); once its policy is brought up
// to date, its next write makes reads one request again.
func TestTenantPolicyWithoutMetadataUpdate(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s, counter := countedStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	current, err := secretpath.TenantPolicyHCL(v.Mount, tenant)
	if err != nil {
		t.Fatal(err)
	}
	const now, before = `["read", "update", "list", "delete"]`, `["read", "list", "delete"]`
	if !strings.Contains(current, now) {
		t.Fatalf("tenant policy has no metadata rule %s:\n%s", now, current)
	}
	name, err := secretpath.TenantPolicyName(tenant)
	if err != nil {
		t.Fatal(err)
	}
	putPolicy(t.Context(), t, v, name, strings.ReplaceAll(current, now, before))
	p := mustPath(t, tenant, "old-policy")

	write(t, s, c, p, "v1")
	readAs(t, s, counter, c, p, 0, "v1", 1)
	write(t, s, c, p, "v2")
	readAs(t, s, counter, c, p, 0, "v2", 2)
	meta, err := v.Admin.Logical().ReadWithContext(t.Context(), v.Mount+"/metadata/"+p.String())
	if err != nil || meta == nil {
		t.Fatalf("admin metadata read: %v", err)
	}
	if cm, _ := meta.Data["custom_metadata"].(map[string]any); len(cm) != 0 {
		t.Errorf("custom_metadata %v written without the policy granting it", cm)
	}

	putPolicy(t.Context(), t, v, name, current)
	write(t, s, c, p, "v3")
	readAs(t, s, counter, c, p, 0, "v3", 1)
}

func putPolicy(ctx context.Context, t *testing.T, v *testkit.Vault, name, rules string) {
	t.Helper()
	if err := v.Admin.Sys().PutPolicyWithContext(ctx, name, rules); err != nil {
		t.Fatalf("put policy %s: %v", name, err)
	}
}

// TestListIsOneRequest: a list of the tenant's folder is one Vault LIST.
func TestListIsOneRequest(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	s, counter := countedStore(t, v)
	tenant := testkit.RandomTenant(t)
	c := callerFor(t, v)(tenant)
	for _, n := range []string{"b", "a", "c"} {
		write(t, s, c, mustPath(t, tenant, n), n)
	}
	counter.Take("")
	names, err := s.List(t.Context(), c, secretpath.ImagePull, tenant)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Errorf("List = %q", names)
	}
	if got := counter.Take(tenant); len(got) != 1 {
		t.Errorf("List: %d Vault requests %q, want 1", len(got), got)
	}
}
