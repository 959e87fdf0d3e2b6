package app

import (
	"os"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/app/datadir"
)

// The instance id stays with the data directory: the hostname at the first
// start, kept whatever the host is called later; a configured id replaces
// it; a bad one stops the start.
func TestInstanceIDFollowsTheDataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	id, err := loadInstanceID(dir, "", "registry-0.registry.ns.svc")
	if err != nil || id != "registry-0.registry.ns.svc" {
		t.Fatalf("first start: %q, %v", id, err)
	}
	if id, err = loadInstanceID(dir, "", "registry-7f9c-x2"); err != nil || id != "registry-0.registry.ns.svc" {
		t.Fatalf("restart under another hostname: %q, %v; want the stored id", id, err)
	}
	if id, err = loadInstanceID(dir, "eu-1", "registry-7f9c-x2"); err != nil || id != "eu-1" {
		t.Fatalf("configured: %q, %v", id, err)
	}
	if id, err = loadInstanceID(dir, "", "other"); err != nil || id != "eu-1" {
		t.Fatalf("after a configured id: %q, %v; want it kept", id, err)
	}
	if _, err := loadInstanceID(dir, "bad id/..", "h"); err == nil || !strings.Contains(err.Error(), "REGISTRY_INSTANCE_ID") {
		t.Fatalf("bad configured id: %v", err)
	}
	if id, err := loadInstanceID(t.TempDir(), "", "host with spaces"); err != nil || id != "host-with-spaces" {
		t.Fatalf("hostname with spaces: %q, %v", id, err)
	}
	if err := os.WriteFile(datadir.Path(dir, datadir.InstanceID), []byte("../../etc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadInstanceID(dir, "", "h"); err == nil {
		t.Fatal("a stored id that is not an id was taken")
	}
}
