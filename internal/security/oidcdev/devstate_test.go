package oidcdev_test

import (
	"errors"
	"io/fs"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

func TestKeyFilePersistsKeys(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sub", "dev-issuer.json")
	first, err := oidcdev.New(oidcdev.Options{Issuer: "http://127.0.0.1:1", Audience: "registry", KeyFile: path})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	_, kid := first.SigningKey()

	// A restart on another address keeps the key and records the new URL.
	again, err := oidcdev.New(oidcdev.Options{Issuer: "http://127.0.0.1:2/", Audience: "registry", KeyFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if _, k := again.SigningKey(); k != kid {
		t.Errorf("restart changed the key: %s, want %s", k, kid)
	}
	st, err := oidcdev.LoadDevState(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Issuer != "http://127.0.0.1:2" || len(st.Keys) != 1 || st.Keys[0].KID != kid {
		t.Errorf("state %s %d keys", st.Issuer, len(st.Keys))
	}

	rotated, err := again.Rotate()
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Retire(kid); err != nil {
		t.Fatal(err)
	}
	st, err = oidcdev.LoadDevState(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Keys) != 2 || !st.Keys[0].Retired || st.Keys[1].KID != rotated || st.Keys[1].Retired {
		t.Errorf("rotation not persisted: %+v", st.Keys)
	}
}

func TestLoadDevStateRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := oidcdev.LoadDevState(filepath.Join(dir, "missing.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	open := filepath.Join(dir, "open.json")
	if err := os.WriteFile(open, []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := oidcdev.LoadDevState(open); err == nil {
		t.Error("a world-readable key file was accepted")
	}
	empty := filepath.Join(dir, "empty.json")
	if err := os.WriteFile(empty, []byte(`{"issuer":"http://h","audience":"a"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := oidcdev.LoadDevState(empty); err == nil {
		t.Error("a state without keys was accepted")
	}
}

// MintFromKeyFile signs offline with the current key; the issuer serving
// the same file accepts the token.
func TestMintFromKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dev-issuer.json")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: "registry", KeyFile: path})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(iss.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	if _, err := iss.Rotate(); err != nil {
		t.Fatal(err)
	}

	tok, err := oidcdev.MintFromKeyFile(path, oidcdev.Claims{Subject: "dev", Groups: []string{"tenant-a"}, Roles: []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: iss.IssuerURL(), Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(t.Context(), tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "dev" || p.Tenant != "tenant-a" {
		t.Errorf("principal %+v", p)
	}
}

// An issuer URL with a path (Keycloak's /realms/x, or a prefix on registryd's
// own port) serves its endpoints under that path.
func TestIssuerWithPath(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String() + "/realms/dev", Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(iss.Handler())
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	v, err := auth.NewVerifier(t.Context(), auth.Config{Issuer: iss.IssuerURL(), Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := iss.Mint(oidcdev.Claims{Subject: "dev", Groups: []string{"tenant-a"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), tok); err != nil {
		t.Fatalf("Verify: %v", err)
	}
}

func TestDevPasswordsPersist(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "dev-issuer.json")
	start := func() map[string]string {
		t.Helper()
		pw, err := oidcdev.DevPasswords(path, "alice", "bob")
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != 2 || len(pw["alice"]) < 20 || pw["alice"] == pw["bob"] {
			t.Fatalf("passwords %d, not random enough", len(pw))
		}
		users := map[string]oidcdev.UserSpec{}
		for name, p := range pw {
			users[name] = oidcdev.UserSpec{Password: p, Groups: []string{"tenant-a"}}
		}
		if _, err := oidcdev.New(oidcdev.Options{Issuer: "http://127.0.0.1:1", Audience: "registry", KeyFile: path, Users: users}); err != nil {
			t.Fatal(err)
		}
		return pw
	}
	first := start()
	st, err := oidcdev.LoadDevState(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Passwords["alice"] != first["alice"] || st.Passwords["bob"] != first["bob"] {
		t.Errorf("state keeps %d passwords, not the issuer's", len(st.Passwords))
	}
	if again := start(); again["alice"] != first["alice"] || again["bob"] != first["bob"] {
		t.Error("a restart changed the passwords")
	}
	// A user added later gets a password; the others keep theirs.
	pw, err := oidcdev.DevPasswords(path, "alice", "carol")
	if err != nil {
		t.Fatal(err)
	}
	if pw["alice"] != first["alice"] || pw["carol"] == "" {
		t.Errorf("alice kept: %t, carol has one: %t", pw["alice"] == first["alice"], pw["carol"] != "")
	}
}
