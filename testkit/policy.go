package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// PolicyDir writes src as the only file of a new authorization policy
// directory (app.PolicyConfig.Path, REGISTRY_AUTHZ_POLICY) and returns the
// directory.
func PolicyDir(t testing.TB, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.rego"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}
