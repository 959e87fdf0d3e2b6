package contract

import (
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

func storeWriteThenRead(t *testing.T, f storeFixture) {
	p := f.path(t, "db-creds")
	data := handlers.SecretData{"username": "alice", "password": "s3cret"}
	f.write(t, p, data, nil, 1)
	for _, version := range []int{0, 1} {
		got := f.read(t, p, version, data, 1)
		m := got.Metadata
		if m.CurrentVersion != 1 || m.CreatedTime.IsZero() || m.UpdatedTime.IsZero() {
			t.Fatalf("Read metadata = %+v, want version 1 with times set", m)
		}
		if m.UpdatedTime.Before(m.CreatedTime) {
			t.Fatalf("updated %v before created %v", m.UpdatedTime, m.CreatedTime)
		}
	}
	meta := f.metadata(t, p)
	v1, ok := meta.Versions[1]
	if meta.CurrentVersion != 1 || !ok || v1.CreatedTime.IsZero() || !v1.DeletionTime.IsZero() || v1.Destroyed {
		t.Fatalf("Metadata = %+v, want one live version 1", meta)
	}
}

func storeSecondWrite(t *testing.T, f storeFixture) {
	p := f.path(t, "rotating")
	first := handlers.SecretData{"token": "one"}
	second := handlers.SecretData{"token": "two", "extra": "x"}
	f.write(t, p, first, nil, 1)
	f.write(t, p, second, nil, 2)
	f.read(t, p, 0, second, 2)
	f.read(t, p, 2, second, 2)
	f.read(t, p, 1, first, 1)
	meta := f.metadata(t, p)
	v1, v2 := meta.Versions[1], meta.Versions[2]
	if meta.CurrentVersion != 2 || v1.CreatedTime.IsZero() || v2.CreatedTime.IsZero() {
		t.Fatalf("Metadata = %+v, want versions 1 and 2", meta)
	}
	if v2.CreatedTime.Before(v1.CreatedTime) || meta.UpdatedTime.Before(meta.CreatedTime) {
		t.Fatalf("Metadata times out of order: %+v", meta)
	}
}

func storeCASZero(t *testing.T, f storeFixture) {
	p := f.path(t, "create-only")
	data := handlers.SecretData{"k": "original"}
	f.write(t, p, data, casOf(0), 1)
	_, err := f.store.Write(f.ctx, f.caller, p, handlers.SecretData{"k": "overwrite"}, casOf(0))
	wantStoreErr(t, "Write cas 0 on existing", err, handlers.ErrConflict)
	f.read(t, p, 0, data, 1)
	if meta := f.metadata(t, p); meta.CurrentVersion != 1 {
		t.Fatalf("failed cas write changed the current version to %d", meta.CurrentVersion)
	}
}

func storeCASMismatch(t *testing.T, f storeFixture) {
	p := f.path(t, "cas-mismatch")
	f.write(t, p, handlers.SecretData{"k": "1"}, nil, 1)
	f.write(t, p, handlers.SecretData{"k": "2"}, nil, 2)
	for _, cas := range []int{1, 3, 50} {
		_, err := f.store.Write(f.ctx, f.caller, p, handlers.SecretData{"k": "lost"}, casOf(cas))
		wantStoreErr(t, "Write with stale cas", err, handlers.ErrConflict)
	}
	f.read(t, p, 0, handlers.SecretData{"k": "2"}, 2)
}

func storeCASMatch(t *testing.T, f storeFixture) {
	p := f.path(t, "cas-match")
	f.write(t, p, handlers.SecretData{"k": "1"}, nil, 1)
	f.write(t, p, handlers.SecretData{"k": "2"}, casOf(1), 2)
	f.write(t, p, handlers.SecretData{"k": "3"}, casOf(2), 3)
	f.read(t, p, 0, handlers.SecretData{"k": "3"}, 3)
}

func storeCASMissing(t *testing.T, f storeFixture) {
	p := f.path(t, "never-written")
	_, err := f.store.Write(f.ctx, f.caller, p, handlers.SecretData{"k": "v"}, casOf(1))
	wantStoreErr(t, "Write cas 1 on missing", err, handlers.ErrConflict)
	_, err = f.store.Metadata(f.ctx, f.caller, p)
	wantStoreErr(t, "Metadata after failed cas", err, handlers.ErrNotFound)
}

func storeReadMissing(t *testing.T, f storeFixture) {
	p := f.path(t, "missing")
	_, err := f.store.Read(f.ctx, f.caller, p, 0)
	wantStoreErr(t, "Read missing", err, handlers.ErrNotFound)
	_, err = f.store.Metadata(f.ctx, f.caller, p)
	wantStoreErr(t, "Metadata missing", err, handlers.ErrNotFound)
	f.write(t, p, handlers.SecretData{"k": "v"}, nil, 1)
	_, err = f.store.Read(f.ctx, f.caller, p, 2)
	wantStoreErr(t, "Read version beyond current", err, handlers.ErrNotFound)
}
