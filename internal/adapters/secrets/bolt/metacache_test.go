package bolt_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
)

// Reads keep decoded metadata: a read after a write, delete or destroy
// still sees the stored state, and what one read returns is its own.
func TestReadMetadataFollowsStore(t *testing.T) {
	t.Parallel()
	store, _ := openStore(t, newRing(t), bolt.Options{})
	ctx, c, p := t.Context(), caller("acme"), mustPath(t, "acme", "cached")
	if _, err := store.Write(ctx, c, p, handlers.SecretData{"v": "1"}, nil); err != nil {
		t.Fatal(err)
	}
	first, err := store.Read(ctx, c, p, 0)
	if err != nil {
		t.Fatal(err)
	}
	first.Metadata.Versions[1] = handlers.VersionMetadata{Destroyed: true, DeletionTime: time.Now()}
	delete(first.Metadata.Versions, 1)
	again, err := store.Read(ctx, c, p, 0)
	if err != nil || again.Version != 1 || len(again.Metadata.Versions) != 1 || again.Metadata.Versions[1].Destroyed {
		t.Fatalf("second read = %+v, %v: a caller's change to the first read's metadata leaked", again.Metadata, err)
	}
	if _, err := store.Write(ctx, c, p, handlers.SecretData{"v": "2"}, nil); err != nil {
		t.Fatal(err)
	}
	if s, err := store.Read(ctx, c, p, 0); err != nil || s.Version != 2 || s.Metadata.CurrentVersion != 2 || s.Data["v"] != "2" {
		t.Fatalf("read after update = %+v, %v, want version 2", s, err)
	}
	if err := store.Delete(ctx, c, p); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Read(ctx, c, p, 0); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("read after delete: %v, want ErrNotFound", err)
	}
	if err := store.Destroy(ctx, c, p); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Read(ctx, c, p, 1); !errors.Is(err, handlers.ErrNotFound) {
		t.Fatalf("read after destroy: %v, want ErrNotFound", err)
	}
}
