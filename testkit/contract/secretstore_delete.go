package contract

import (
	"slices"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

func storeSoftDeleteCurrent(t *testing.T, f storeFixture) {
	p := f.path(t, "soft")
	first := handlers.SecretData{"k": "1"}
	f.write(t, p, first, nil, 1)
	f.write(t, p, handlers.SecretData{"k": "2"}, nil, 2)
	if err := f.store.Delete(f.ctx, f.caller, p); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := f.store.Read(f.ctx, f.caller, p, 0)
	wantStoreErr(t, "Read deleted current", err, handlers.ErrNotFound)
	_, err = f.store.Read(f.ctx, f.caller, p, 2)
	wantStoreErr(t, "Read deleted version 2", err, handlers.ErrNotFound)
	f.read(t, p, 1, first, 1)
	if names := f.list(t, secretpath.ImagePull); !slices.Contains(names, "soft") {
		t.Fatalf("List = %v, want the soft-deleted secret listed", names)
	}
	meta := f.metadata(t, p)
	if meta.CurrentVersion != 2 || meta.Versions[2].DeletionTime.IsZero() || meta.Versions[2].Destroyed {
		t.Fatalf("Metadata = %+v, want version 2 deleted, not destroyed", meta)
	}
	if !meta.Versions[1].DeletionTime.IsZero() {
		t.Fatalf("Metadata = %+v, want version 1 untouched", meta)
	}
}

func storeDeleteListed(t *testing.T, f storeFixture) {
	p := f.path(t, "some-versions")
	for v := 1; v <= 3; v++ {
		f.write(t, p, handlers.SecretData{"v": string(rune('0' + v))}, nil, v)
	}
	if err := f.store.Delete(f.ctx, f.caller, p, 1, 2); err != nil {
		t.Fatalf("Delete 1, 2: %v", err)
	}
	for _, v := range []int{1, 2} {
		_, err := f.store.Read(f.ctx, f.caller, p, v)
		wantStoreErr(t, "Read deleted version", err, handlers.ErrNotFound)
	}
	f.read(t, p, 0, handlers.SecretData{"v": "3"}, 3)
}

func storeWriteAfterDelete(t *testing.T, f storeFixture) {
	p := f.path(t, "rewritten")
	f.write(t, p, handlers.SecretData{"k": "1"}, nil, 1)
	if err := f.store.Delete(f.ctx, f.caller, p); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	f.write(t, p, handlers.SecretData{"k": "2"}, casOf(1), 2)
	f.read(t, p, 0, handlers.SecretData{"k": "2"}, 2)
}

func storeDeleteMissing(t *testing.T, f storeFixture) {
	err := f.store.Delete(f.ctx, f.caller, f.path(t, "missing"))
	wantStoreErr(t, "Delete missing", err, handlers.ErrNotFound)
}

func storeDestroy(t *testing.T, f storeFixture) {
	p := f.path(t, "doomed")
	f.write(t, p, handlers.SecretData{"k": "1"}, nil, 1)
	f.write(t, p, handlers.SecretData{"k": "2"}, nil, 2)
	if err := f.store.Destroy(f.ctx, f.caller, p); err != nil {
		t.Fatalf("Destroy: %v", err)
	}
	_, err := f.store.Metadata(f.ctx, f.caller, p)
	wantStoreErr(t, "Metadata destroyed", err, handlers.ErrNotFound)
	for _, v := range []int{0, 1, 2} {
		_, err := f.store.Read(f.ctx, f.caller, p, v)
		wantStoreErr(t, "Read destroyed", err, handlers.ErrNotFound)
	}
	if names := f.list(t, secretpath.ImagePull); slices.Contains(names, "doomed") {
		t.Fatalf("List = %v still holds the destroyed secret", names)
	}
	// A destroyed secret is gone: writing the path again starts over.
	f.write(t, p, handlers.SecretData{"k": "new"}, casOf(0), 1)
}

func storeDestroyMissing(t *testing.T, f storeFixture) {
	err := f.store.Destroy(f.ctx, f.caller, f.path(t, "missing"))
	wantStoreErr(t, "Destroy missing", err, handlers.ErrNotFound)
}

func storeListSorted(t *testing.T, f storeFixture) {
	data := handlers.SecretData{"k": "v"}
	for _, name := range []string{"charlie", "alpha", "bravo-2", "bravo"} {
		f.write(t, f.path(t, name), data, nil, 1)
	}
	f.write(t, storePath(t, secretpath.PackageRegistry, f.tenant, "other-scope"), data, nil, 1)
	other := storePath(t, secretpath.ImagePull, f.other, "not-mine")
	if _, err := f.store.Write(f.ctx, f.otherCaller, other, data, nil); err != nil {
		t.Fatalf("Write as other tenant: %v", err)
	}
	want := []string{"alpha", "bravo", "bravo-2", "charlie"}
	if got := f.list(t, secretpath.ImagePull); !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}
	if got := f.list(t, secretpath.PackageRegistry); !slices.Equal(got, []string{"other-scope"}) {
		t.Fatalf("List package-registry = %v, want [other-scope]", got)
	}
}

func storeListEmpty(t *testing.T, f storeFixture) {
	for _, scope := range secretpath.Scopes {
		if got := f.list(t, scope); len(got) != 0 {
			t.Fatalf("List %s of a fresh tenant = %v, want empty", scope, got)
		}
	}
}
