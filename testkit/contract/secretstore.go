package contract

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// NewSecretStore returns the store under test and a function making a caller
// of a given tenant, as that store's auth would see it (for Vault, a caller
// whose Token is a JWT of that tenant).
type NewSecretStore func(t *testing.T) (store handlers.SecretStore, callerFor func(tenant string) handlers.Caller)

// SecretStore runs the KV-v2 behaviour every handlers.SecretStore
// adapter must show, embedded and Vault alike. It is adapter-agnostic: each
// subtest uses fresh random tenants (so one shared server serves all), does
// not assume MaxVersions, and compares times only by order, never against a
// clock finer than a second.
func SecretStore(t *testing.T, newStore NewSecretStore) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, f storeFixture)
	}{
		{"write then read", storeWriteThenRead},
		{"second write adds a version", storeSecondWrite},
		{"cas 0 creates only", storeCASZero},
		{"cas mismatch conflicts", storeCASMismatch},
		{"cas match writes", storeCASMatch},
		{"cas on missing secret conflicts", storeCASMissing},
		{"read missing is not found", storeReadMissing},
		{"soft delete current version", storeSoftDeleteCurrent},
		{"delete listed versions", storeDeleteListed},
		{"write after delete", storeWriteAfterDelete},
		{"delete missing is not found", storeDeleteMissing},
		{"destroy", storeDestroy},
		{"destroy missing is not found", storeDestroyMissing},
		{"list sorted own tenant only", storeListSorted},
		{"list empty folder", storeListEmpty},
		{"cross tenant is refused", storeCrossTenant},
		{"values survive", storeValuesSurvive},
		{"invalid input", storeInvalidInput},
		{"a command writes once", storeCommandWritesOnce},
		{"a command run again after a crash writes once", storeCommandRerunAfterCrash},
		{"a command destroys once", storeCommandDestroysOnce},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			store, callerFor := newStore(t)
			tenant, other := RandomTenant(t), RandomTenant(t)
			tc.run(t, storeFixture{
				store: store, ctx: t.Context(),
				tenant: tenant, caller: callerFor(tenant),
				other: other, otherCaller: callerFor(other),
			})
		})
	}
}

// storeFixture is one subtest's store and two unrelated tenants.
type storeFixture struct {
	store       handlers.SecretStore
	ctx         context.Context
	tenant      string
	caller      handlers.Caller
	other       string
	otherCaller handlers.Caller
}

// path names a secret of the fixture's own tenant.
func (f storeFixture) path(t *testing.T, name string) secretpath.Path {
	t.Helper()
	return storePath(t, secretpath.ImagePull, f.tenant, name)
}

func storePath(t *testing.T, scope secretpath.Scope, tenant, name string) secretpath.Path {
	t.Helper()
	p, err := secretpath.New(scope, tenant, name)
	if err != nil {
		t.Fatalf("secretpath.New: %v", err)
	}
	return p
}

// write must succeed and create version want.
func (f storeFixture) write(t *testing.T, p secretpath.Path, data handlers.SecretData, cas *int, want int) handlers.SecretMetadata {
	t.Helper()
	meta, err := f.store.Write(f.ctx, f.caller, p, data, cas)
	if err != nil {
		t.Fatalf("Write %s: %v", p, err)
	}
	if meta.CurrentVersion != want {
		t.Fatalf("Write %s: current version %d, want %d", p, meta.CurrentVersion, want)
	}
	return meta
}

// read must return data as version want.
func (f storeFixture) read(t *testing.T, p secretpath.Path, version int, want handlers.SecretData, wantVersion int) handlers.Secret {
	t.Helper()
	got, err := f.store.Read(f.ctx, f.caller, p, version)
	if err != nil {
		t.Fatalf("Read %s version %d: %v", p, version, err)
	}
	if got.Version != wantVersion {
		t.Fatalf("Read %s version %d: got version %d, want %d", p, version, got.Version, wantVersion)
	}
	if !maps.Equal(got.Data, want) {
		// Test data only: no real secret is printed.
		t.Fatalf("Read %s version %d: data %v, want %v", p, version, got.Data, want)
	}
	return got
}

func (f storeFixture) metadata(t *testing.T, p secretpath.Path) handlers.SecretMetadata {
	t.Helper()
	meta, err := f.store.Metadata(f.ctx, f.caller, p)
	if err != nil {
		t.Fatalf("Metadata %s: %v", p, err)
	}
	return meta
}

func (f storeFixture) list(t *testing.T, scope secretpath.Scope) []string {
	t.Helper()
	names, err := f.store.List(f.ctx, f.caller, scope, f.tenant)
	if err != nil {
		t.Fatalf("List %s/%s: %v", scope, f.tenant, err)
	}
	return names
}

// wantStoreErr fails unless err wraps one of the sentinels.
func wantStoreErr(t *testing.T, what string, err error, sentinels ...error) {
	t.Helper()
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("%s: error %v, want one of %v", what, err, sentinels)
}

func casOf(n int) *int { return &n }
