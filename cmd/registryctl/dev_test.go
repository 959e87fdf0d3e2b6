package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// startDevIssuer does what registryd --dev does: an issuer whose key file is
// <dir>/dev-issuer.json, served on loopback.
func startDevIssuer(t *testing.T, dir string) *oidcdev.Issuer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{
		Issuer: "http://" + ln.Addr().String(), Audience: "registry",
		KeyFile: datadir.Path(dir, datadir.DevIssuer),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: iss.Handler()}}
	srv.Start()
	t.Cleanup(srv.Close)
	return iss
}

func runCtl(args ...string) (string, error) {
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestDevToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	iss := startDevIssuer(t, dir)
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: iss.IssuerURL(), Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}

	out, err := runCtl("--data-dir", dir, "dev", "token", "--group", "/tenant-a", "--group", "tenant-b",
		"--role", "admin", "--role", "developer", "--role", "platform-admin", "--subject", "ci-bot", "--ttl", "10m")
	if err != nil {
		t.Fatalf("dev token: %v", err)
	}
	tok := strings.TrimSuffix(out, "\n")
	if strings.ContainsAny(tok, " \n") {
		t.Fatalf("stdout is more than the token: %q", out)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "ci-bot" || p.Tenant != "tenant-a" || !slices.Equal(p.Roles, []string{"admin", "developer", "platform-admin"}) {
		t.Errorf("principal %+v", p)
	}
	if left := time.Until(p.Expiry); left < 9*time.Minute || left > 10*time.Minute {
		t.Errorf("token expires in %s, want --ttl 10m", left)
	}
}

func TestDevTokenErrors(t *testing.T) {
	t.Parallel()
	withState := t.TempDir()
	startDevIssuer(t, withState)
	tests := []struct {
		name      string
		args      []string
		wantInErr string
	}{
		{"no dev state", []string{"--data-dir", filepath.Join(t.TempDir(), "nothing"), "dev", "token", "--group", "tenant-a"}, "start `registryd --dev` first, or pass --data-dir"},
		{"no group", []string{"--data-dir", withState, "dev", "token"}, `"group" not set`},
		{"bad tenant", []string{"--data-dir", withState, "dev", "token", "--group", "/a/b"}, "not a valid tenant name"},
		{"bad ttl", []string{"--data-dir", withState, "dev", "token", "--group", "a", "--ttl", "-1m"}, "--ttl must be positive"},
		{"unknown role", []string{"--data-dir", withState, "dev", "token", "--group", "a", "--role", "superuser"}, `--role "superuser" is not a role registryd knows`},
		{"role in the wrong case", []string{"--data-dir", withState, "dev", "token", "--group", "a", "--role", "Admin"}, "is not a role registryd knows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := runCtl(tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.wantInErr) {
				t.Fatalf("err %v, want it to contain %q", err, tc.wantInErr)
			}
			if out != "" {
				t.Errorf("output despite the error: %q", out)
			}
		})
	}
}

// knownRoles follows registryd's role settings.
func TestDevTokenKnownRolesFollowTheSettings(t *testing.T) {
	t.Parallel()
	env := map[string]string{"REGISTRY_PLATFORM_ADMIN_ROLE": "ops-root", "REGISTRY_ADMIN_ROLE": ""}
	got := knownRoles(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if want := []string{"admin", "developer", "read-only", "ops-root"}; !slices.Equal(got, want) {
		t.Errorf("known roles %v, want %v", got, want)
	}
}

func TestDevUsers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := datadir.Path(dir, datadir.DevIssuer)
	pw, err := oidcdev.DevPasswords(path, "alice", "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oidcdev.New(oidcdev.Options{Issuer: "http://127.0.0.1:1", Audience: "registry", KeyFile: path,
		Users: map[string]oidcdev.UserSpec{"alice": {Password: pw["alice"]}, "bob": {Password: pw["bob"]}}}); err != nil {
		t.Fatal(err)
	}
	out, err := runCtl("--data-dir", dir, "dev", "users")
	if want := "alice\t" + pw["alice"] + "\nbob\t" + pw["bob"] + "\n"; err != nil || out != want {
		t.Errorf("dev users: %q, %v; want %q", out, err, want)
	}
	if _, err := runCtl("--data-dir", filepath.Join(dir, "nothing"), "dev", "users"); err == nil || !strings.Contains(err.Error(), "start `registryd --dev` first") {
		t.Errorf("without state: %v", err)
	}
}
