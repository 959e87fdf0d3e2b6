package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A policy that does not compile stops registryd at start, naming the
// file and line: it never serves without the policy it was given.
func TestStartStopsOnAPolicyThatDoesNotCompile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.rego")
	src := "package registry.authz\n\ndefault allow := true\n\nallow := false if {\n\tinput.caller.tenant == undefined_thing\n}\n"
	if err := os.WriteFile(bad, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := registryd(t, "--dev", "--data-dir", filepath.Join(dir, "data"), "--http-addr", "127.0.0.1:0",
		"--dev-issuer-addr", "127.0.0.1:0", "--console=false", "--authz-policy", bad)
	if code != 1 || !strings.Contains(errOut, "REGISTRY_AUTHZ_POLICY") || !strings.Contains(errOut, bad+":6") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want 1 and %s:6 named", code, out, errOut, bad)
	}
}
