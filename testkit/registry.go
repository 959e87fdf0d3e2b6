package testkit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// Audience is the audience the test registry expects.
const Audience = "registry-api"

// Registry is a registryd running in-process on loopback, with its own data
// directory, trusting a real OIDC issuer over HTTP.
type Registry struct {
	*app.Service
	OIDC    *OIDC
	URL     string
	DataDir string
	Backend Backend
	// Vault is the Vault server the registry uses, nil when embedded.
	Vault *Vault
	// Kafka is the broker the registry's event log is on, nil when embedded.
	Kafka *Kafka
	// Logs holds every log line the service wrote, at DEBUG level.
	Logs *SyncBuffer

	cfg  app.Config
	stop func(t testing.TB)
}

// Backend says which adapters a test registry runs on.
type Backend struct {
	Name         string
	Vault, Kafka bool
}

// The two deployments of DESIGN.md: everything embedded, and production's
// Vault secret store with the Kafka event log (real Vault server, kfake).
var (
	Embedded   = Backend{Name: "embedded"}
	VaultKafka = Backend{Name: "vault+kafka", Vault: true, Kafka: true}
	// EmbeddedKafka keeps secrets in the embedded store with the Kafka
	// event log and southbound: the HypO topics without Vault.
	EmbeddedKafka = Backend{Name: "embedded+kafka", Kafka: true}
)

// Backends lists every deployment a flow test should run on.
func Backends() []Backend { return []Backend{Embedded, VaultKafka} }

// StartRegistry starts an embedded registry and stops it when the test
// ends. configure may adjust the configuration before start.
func StartRegistry(t testing.TB, configure ...func(*app.Config)) *Registry {
	t.Helper()
	return StartRegistryOn(t, Embedded, configure...)
}

// StartRegistryOn starts a registry on backend b: with Vault it shares the
// test binary's Vault (SharedVault) and trusts that Vault's issuer; with
// Kafka it gets a broker of its own.
func StartRegistryOn(t testing.TB, b Backend, configure ...func(*app.Config)) *Registry {
	t.Helper()
	var v *Vault
	if b.Vault {
		v = SharedVault(t)
	}
	return startRegistry(t, b, v, configure...)
}

// StartRegistryOnVault starts a registry on a Vault of the test's own (see
// StartVault), for tests that stop and restart it.
func StartRegistryOnVault(t testing.TB, v *Vault, configure ...func(*app.Config)) *Registry {
	t.Helper()
	return startRegistry(t, Backend{Name: "vault", Vault: true}, v, configure...)
}

func startRegistry(t testing.TB, b Backend, v *Vault, configure ...func(*app.Config)) *Registry {
	t.Helper()
	r := &Registry{Backend: b}
	cfg := app.Config{HTTPAddr: "127.0.0.1:0", DataDir: t.TempDir()}
	if v != nil {
		r.Vault = v
		r.OIDC = r.Vault.OIDC
		cfg.Vault.Addr, cfg.Vault.Mount = r.Vault.Addr, r.Vault.Mount
		cfg.Vault.AuthMount, cfg.Vault.Role = r.Vault.JWTMount, r.Vault.Role
		cfg.VaultAdmin.AdminToken = r.Vault.RootToken
	} else {
		r.OIDC = StartOIDC(t, Audience)
	}
	if b.Kafka {
		r.Kafka = StartKafka(t)
		cfg.Kafka.Brokers = r.Kafka.Brokers
		cfg.Kafka.ConsumerGroup = "registry-projections-" + RandomTenant(t)
	}
	issuer := r.OIDC
	cfg.OIDC = auth.Config{Issuer: issuer.URL, Audience: Audience}
	for _, f := range configure {
		f(&cfg)
	}
	r.launch(t, cfg)
	return r
}

// launch starts the service on cfg and waits until it is ready.
func (r *Registry) launch(t testing.TB, cfg app.Config) {
	t.Helper()
	logs := &SyncBuffer{}
	level := new(slog.LevelVar)
	level.Set(slog.LevelDebug)
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.New(ctx, cfg, logger, level)
	if err != nil {
		cancel()
		t.Fatalf("start registry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	stop := func(t testing.TB) {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("registry stopped with: %v", err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("registry did not stop within 20s")
			}
		})
	}
	t.Cleanup(func() { stop(t) })
	r.Service, r.URL, r.DataDir, r.Logs, r.cfg, r.stop = svc, svc.BaseURL(), cfg.DataDir, logs, cfg, stop
	r.waitReady(t)
}

// Stop stops the registry gracefully (t.Cleanup does it otherwise).
func (r *Registry) Stop(t testing.TB) {
	t.Helper()
	r.stop(t)
}

// Restart stops the registry and starts it again on the same
// configuration: data directory, Vault, broker, consumer groups and
// issuer. Its URL changes (a new port).
func (r *Registry) Restart(t testing.TB) {
	t.Helper()
	r.Stop(t)
	r.launch(t, r.cfg)
}

// Tenant returns a fresh tenant name, provisioned in Vault when the
// registry uses it, so tests sharing a Vault never see each other's data.
func (r *Registry) Tenant(t testing.TB) string {
	t.Helper()
	tenant := RandomTenant(t)
	if r.Vault != nil {
		r.Vault.ProvisionTenant(t, tenant)
	}
	return tenant
}

// Token mints a token for subject in tenant with roles. The subject is
// made unique per tenant ("alice@tenant"): Vault keeps one entity per
// subject, whose group membership follows its latest login, so one subject
// logging in for two tenants of a shared Vault would change the policies
// of its earlier token.
func (r *Registry) Token(t testing.TB, subject, tenant string, roles ...string) string {
	t.Helper()
	return r.OIDC.Token(t, subject+"@"+tenant, []string{tenant}, roles...)
}

func (r *Registry) waitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ReadyzOK(r.URL) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("registry at %s not ready within 10s", r.URL)
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	discard bool
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.discard {
		return len(p), nil
	}
	return b.buf.Write(p)
}

// Discard drops what is written from now on, as a benchmark wants: a
// buffer that keeps every line grows, and copies and clears memory as it
// does, where registryd writes its lines to stderr and forgets them.
func (b *SyncBuffer) Discard() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.discard = true
	b.buf = bytes.Buffer{}
}

// Bytes returns a copy of everything written so far.
func (b *SyncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
