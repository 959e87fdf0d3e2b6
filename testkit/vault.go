package testkit

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// Vault is a real Vault dev server on loopback, configured as production
// needs it: KV v2 at Mount, JWT auth at JWTMount trusting OIDC's JWKS, and
// the login role Role. Tenants get their policy and identity group from
// ProvisionTenant. A dev server keeps everything in memory.
type Vault struct {
	Addr      string // "http://127.0.0.1:PORT"
	RootToken string
	Mount     string // KV v2 mount: "hypo"
	JWTMount  string // JWT auth mount: "jwt"
	Role      string // JWT login role: "registry"
	Admin     *api.Client
	OIDC      *OIDC

	bin, dir, logPath, listen string

	mu       sync.Mutex // guards proc, accessor, tenants
	proc     *vaultProc
	accessor string          // of the JWT auth mount, for group aliases
	tenants  map[string]bool // provisioned, replayed after Restart
}

// startupTimeout bounds one start: exec of a ~350 MB binary, unseal, config.
const startupTimeout = 60 * time.Second

var shared struct {
	once  sync.Once
	vault *Vault
	stop  func()
	err   error
}

// SharedVault returns the one Vault (and OIDC issuer) of this test binary,
// starting it on first use. Subtests isolate themselves by tenant
// (RandomTenant). Call StopSharedVault from TestMain to stop it early; if
// nobody does, it dies with the test process.
func SharedVault(t testing.TB) *Vault {
	t.Helper()
	shared.once.Do(func() {
		shared.vault, shared.stop, shared.err = startShared(t.Logf)
	})
	if shared.err != nil {
		t.Fatalf("shared vault: %v", shared.err)
	}
	return shared.vault
}

// StopSharedVault stops the shared server and issuer, if started.
func StopSharedVault() {
	if shared.stop != nil {
		shared.stop()
		shared.stop = nil
	}
}

func startShared(logf func(string, ...any)) (*Vault, func(), error) {
	bin, err := findVaultBinary(logf)
	if err != nil {
		return nil, nil, err
	}
	oidc, closeOIDC, err := serveOIDC(Audience)
	if err != nil {
		return nil, nil, err
	}
	v, err := launchVault(bin, oidc)
	if err != nil {
		closeOIDC()
		return nil, nil, err
	}
	return v, func() { v.Stop(); closeOIDC(); os.RemoveAll(v.dir) }, nil
}

// StartVault starts a Vault of the test's own, stopped at cleanup, for tests
// that stop or restart it. oidc nil starts an issuer for it.
func StartVault(t testing.TB, oidc *OIDC) *Vault {
	t.Helper()
	if oidc == nil {
		oidc = StartOIDC(t, Audience)
	}
	v, err := launchVault(VaultBinary(t), oidc)
	if err != nil {
		t.Fatalf("start vault: %v", err)
	}
	t.Cleanup(func() { v.Stop(); os.RemoveAll(v.dir) })
	return v
}

func launchVault(bin string, oidc *OIDC) (*Vault, error) {
	dir, logPath, err := tempVaultDir()
	if err != nil {
		return nil, err
	}
	v := &Vault{
		RootToken: "root-" + rand.Text(), Mount: "hypo", JWTMount: "jwt", Role: "registry",
		OIDC: oidc, bin: bin, dir: dir, logPath: logPath, tenants: map[string]bool{},
	}
	// A port picked free can be taken before Vault binds it: try a few.
	for range 3 {
		if v.listen, err = freeLoopbackAddr(); err != nil {
			break
		}
		v.Addr = "http://" + v.listen
		if v.Admin, err = newAdminClient(v.Addr, v.RootToken); err != nil {
			break
		}
		if err = v.boot(); err == nil {
			return v, nil
		}
	}
	os.RemoveAll(dir)
	return nil, err
}

// boot starts the process on v.listen and configures it. Caller holds v.mu
// or owns v exclusively.
func (v *Vault) boot() error {
	ctx, cancel := context.WithTimeout(context.Background(), startupTimeout)
	defer cancel()
	proc, err := startVaultProc(v.bin, v.dir, v.logPath, v.listen, v.RootToken)
	if err != nil {
		return err
	}
	if err := proc.waitHealthy(ctx, v.Admin, v.logPath); err != nil {
		proc.stop()
		return err
	}
	if err := v.configure(ctx); err != nil {
		proc.stop()
		return fmt.Errorf("configure vault at %s: %w", v.Addr, err)
	}
	for tenant := range v.tenants {
		if err := v.provisionLocked(ctx, tenant); err != nil {
			proc.stop()
			return fmt.Errorf("re-provision tenant %s: %w", tenant, err)
		}
	}
	v.proc = proc
	return nil
}

// Stop stops the server; its address refuses connections until Restart.
func (v *Vault) Stop() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.proc.stop()
	v.proc = nil
}

// Restart stops the server if running and starts it again on the same
// address with the same root token. A dev server forgets everything, so the
// mounts, role and provisioned tenants are configured again; tokens issued
// before are void.
func (v *Vault) Restart(t testing.TB) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	v.proc.stop()
	v.proc = nil
	if err := v.boot(); err != nil {
		t.Fatalf("restart vault: %v", err)
	}
}

// LogPath is the server's log file, for diagnosing failures.
func (v *Vault) LogPath() string { return v.logPath }

// serveOIDC is StartOIDC for an issuer that outlives any one test.
func serveOIDC(audience string) (*OIDC, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("start oidc: %w", err)
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: audience})
	if err != nil {
		ln.Close()
		return nil, nil, fmt.Errorf("start oidc: %w", err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: iss.Handler()}}
	srv.Start()
	return &OIDC{Issuer: iss, URL: iss.IssuerURL(), JWKSURL: iss.JWKSURL(), Audience: audience}, srv.Close, nil
}
