package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// VaultVersion is the Vault release testkit/vaultserver builds; it keys the
// cached binary, so bumping it there means bumping it here and in
// scripts/build-vault.sh.
const VaultVersion = "v1.21.1"

// VaultBinary returns a Vault server binary: $REGISTRY_VAULT_BIN if set, else
// the cached build under <UserCacheDir>/hypo-registry/vault-<version>/vault,
// building it there first if missing. A cold build takes about 20 minutes,
// longer than go test's default timeout: run scripts/build-vault.sh first.
func VaultBinary(t testing.TB) string {
	t.Helper()
	bin, err := findVaultBinary(t.Logf)
	if err != nil {
		t.Fatalf("vault binary: %v", err)
	}
	return bin
}

// findVaultBinary is VaultBinary reporting errors instead of failing a test,
// for the shared server that outlives any one test.
func findVaultBinary(logf func(string, ...any)) (string, error) {
	if bin := os.Getenv("REGISTRY_VAULT_BIN"); bin != "" {
		return bin, nil
	}
	return cachedVaultBinary(logf)
}

// cachedVaultBinary finds or builds the cached binary. Parallel test binaries
// serialise on a flock next to it, and the build goes to a temporary file
// renamed into place, so nobody ever runs a half-written binary.
func cachedVaultBinary(logf func(string, ...any)) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cache dir: %w", err)
	}
	dir := filepath.Join(cache, "hypo-registry", "vault-"+VaultVersion)
	bin := filepath.Join(dir, "vault")
	if executable(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cache dir: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if executable(bin) { // built by another process while we waited
		return bin, nil
	}
	src, err := vaultServerDir()
	if err != nil {
		return "", err
	}
	logf("building Vault %s from %s into %s: a cold build takes ~20 min (prebuild with scripts/build-vault.sh)", VaultVersion, src, bin)
	start := time.Now()
	if err := buildVault(src, dir, bin); err != nil {
		return "", err
	}
	logf("built Vault in %s", time.Since(start).Round(time.Second))
	return bin, nil
}

func buildVault(src, dir, bin string) error {
	tmp, err := os.CreateTemp(dir, "vault.tmp.*")
	if err != nil {
		return fmt.Errorf("build vault: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // no-op once renamed
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("build vault: %w", err)
	}
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", tmp.Name(), ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build vault in %s: %w\n%s", src, err, out)
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return fmt.Errorf("build vault: %w", err)
	}
	if err := os.Rename(tmp.Name(), bin); err != nil {
		return fmt.Errorf("build vault: %w", err)
	}
	return nil
}

// vaultServerDir is the testkit/vaultserver module: next to this source file
// when the path is known, else found walking up from the working directory
// (tests run in their package's folder).
func vaultServerDir() (string, error) {
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, start := range starts {
		for dir := start; ; dir = filepath.Dir(dir) {
			for _, cand := range []string{filepath.Join(dir, "vaultserver"), filepath.Join(dir, "testkit", "vaultserver")} {
				if _, err := os.Stat(filepath.Join(cand, "go.mod")); err == nil {
					return cand, nil
				}
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", errors.New("vault source: testkit/vaultserver not found; set REGISTRY_VAULT_BIN")
}

func executable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 && fi.Size() > 0
}

// lockFile takes an exclusive flock on path, released by the returned func
// (and by the kernel if the process dies).
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
