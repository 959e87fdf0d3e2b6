// Package vhosttest runs the virtual-host registry as registryd wires it,
// for tests: the real command bus, event log, projection runner, sealed
// secret store and handlers, in a temporary directory, on a clock the test
// moves.
package vhosttest

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/redact"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/projections"
)

// Options configure Start. The zero value is usable.
type Options struct {
	// Config of the handlers; Now defaults to the harness clock, Scope to
	// Scope(), KeyAlgorithm to ECDSA P-256 (fast).
	Config vhost.Config
	// Audit configures heartbeat sampling in the audit log.
	Audit vhost.AuditConfig
	// Ring seals the secret store; default a new ring.
	Ring *seal.Keyring
	// Dir reuses the files of an earlier harness (a restart); default a new
	// temporary directory.
	Dir string
	// AuditKey keys the audit HMACs; default random. Reuse it with Dir.
	AuditKey []byte
	// Clock; default one starting at 2025-01-01T00:00:00Z.
	Clock *Clock
	// HoldProjections leaves the projection runner stopped: the test
	// applies events with Runner.CatchUp (Sync would wait forever), and
	// reads in between see the projection as it was.
	HoldProjections bool
}

// Harness is a running virtual-host registry.
type Harness struct {
	Dir      string
	AuditKey []byte
	Clock    *Clock
	Ring     *seal.Keyring
	Bus      *bus.Bus
	Events   *eventlog.Log
	ProjDB   *bbolt.DB
	Runner   *projections.Runner
	Store    *bolt.Store
	View     *vhost.View
	Beats    *vhost.Beats
	Handlers *vhost.Handlers
	Hasher   *redact.Hasher

	stop func()
}

// Scope is where the harness stores private material, as registryd does.
func Scope() secretpath.Scope { return secretpath.VirtualHost }

// Projections are the projections the harness runs: the virtual hosts and
// the audit log with heartbeats sampled by cfg.
func Projections(h *redact.Hasher, cfg vhost.AuditConfig) ([]projections.Projection, error) {
	return ProjectionsFor(h, cfg, nil, nil)
}

// ProjectionsFor is Projections with the virtual-host projection telling
// beats what it applied and hosts what it changed, as registryd runs it.
func ProjectionsFor(h *redact.Hasher, cfg vhost.AuditConfig, beats *vhost.Beats, hosts *vhost.HostCache) ([]projections.Projection, error) {
	audit, err := vhost.SampleHeartbeats(projections.NewAudit(h), cfg)
	if err != nil {
		return nil, err
	}
	return []projections.Projection{vhost.NewProjection(beats, hosts), audit}, nil
}

// Start runs a harness until the test ends (or Stop).
func Start(t testing.TB, opts Options) *Harness {
	t.Helper()
	h, err := start(opts, t.TempDir)
	if err != nil {
		t.Fatalf("vhosttest: start: %v", err)
	}
	t.Cleanup(h.Stop)
	return h
}

func start(opts Options, tempDir func() string) (_ *Harness, err error) {
	h := &Harness{Dir: opts.Dir, AuditKey: opts.AuditKey, Clock: opts.Clock, Ring: opts.Ring}
	var closers []func() error
	defer func() {
		if err != nil {
			for i := len(closers) - 1; i >= 0; i-- {
				_ = closers[i]()
			}
		}
	}()
	if h.Dir == "" {
		h.Dir = tempDir()
	}
	if h.Clock == nil {
		h.Clock = NewClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	}
	if h.Ring == nil {
		if h.Ring, err = seal.NewKeyring(); err != nil {
			return nil, err
		}
	}
	if h.AuditKey == nil {
		h.AuditKey = make([]byte, 32)
		_, _ = rand.Read(h.AuditKey)
	}
	if h.Hasher, err = redact.NewHasher(h.AuditKey); err != nil {
		return nil, err
	}
	if h.Store, err = bolt.Open(filepath.Join(h.Dir, "secrets.db"), h.Ring, bolt.Options{Now: h.Clock.Now}); err != nil {
		return nil, err
	}
	closers = append(closers, h.Store.Close)
	if h.Events, err = eventlog.Open(filepath.Join(h.Dir, "events.db"), eventlog.Options{}); err != nil {
		return nil, err
	}
	closers = append(closers, h.Events.Close)
	if h.ProjDB, err = bbolt.Open(filepath.Join(h.Dir, "projections.db"), 0o600, &bbolt.Options{Timeout: time.Second}); err != nil {
		return nil, err
	}
	closers = append(closers, h.ProjDB.Close)
	h.Beats = vhost.NewBeats()
	hosts := vhost.NewHostCache()
	ps, err := ProjectionsFor(h.Hasher, opts.Audit, h.Beats, hosts)
	if err != nil {
		return nil, err
	}
	if h.Runner, err = projections.NewRunner(h.ProjDB, h.Events, ps...); err != nil {
		return nil, err
	}
	if h.View, err = vhost.NewView(h.ProjDB, hosts); err != nil {
		return nil, err
	}
	cfg := opts.Config
	if cfg.Now == nil {
		cfg.Now = h.Clock.Now
	}
	if cfg.Scope == "" {
		cfg.Scope = Scope()
	}
	if cfg.KeyAlgorithm == "" {
		cfg.KeyAlgorithm = vhost.KeyECDSAP256
	}
	if h.Handlers, err = vhost.New(cfg, h.Store, h.View, h.Beats); err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	h.Bus, err = bus.New(bus.Config{}, bus.Deps{
		Log: h.Events, Sealer: h.Ring, Redactor: h.Hasher, Logger: logger,
		Metrics: prometheus.NewRegistry(), Now: h.Clock.Now,
	})
	if err != nil {
		return nil, err
	}
	if err := Register(h.Bus, h.Handlers); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	busDone, runDone := make(chan error, 1), make(chan error, 1)
	go func() { busDone <- h.Bus.Run(ctx) }()
	if opts.HoldProjections {
		runDone <- nil
	} else {
		go func() { runDone <- h.Runner.Run(ctx) }()
	}
	select {
	case <-h.Bus.Running():
	case err := <-busDone:
		cancel()
		<-runDone
		return nil, errors.Join(errors.New("bus stopped at start"), err)
	}
	h.stop = func() {
		cancel()
		_ = h.Bus.Close()
		<-busDone
		<-runDone
		for i := len(closers) - 1; i >= 0; i-- {
			_ = closers[i]()
		}
	}
	return h, nil
}

// Stop stops the harness and closes its files; later calls do nothing.
func (h *Harness) Stop() {
	if h.stop != nil {
		h.stop()
		h.stop = nil
	}
}

// Register binds the virtual-host commands as registryd does (the handler
// names are the consumer identities of service/wiring_vhost.go).
func Register(b *bus.Bus, h *vhost.Handlers) error {
	return errors.Join(
		bus.Handle(b, "vhost.create", h.Create),
		bus.Handle(b, "vhost.get", h.Get),
		bus.Handle(b, "vhost.delete", h.Delete),
		bus.Handle(b, "vhost.server.heartbeat", h.Heartbeat),
		bus.Handle(b, "vhost.server.delete", h.DeleteServer),
		bus.Handle(b, "vhost.servers.compact", h.Compact),
		bus.Handle(b, "vhost.recrypt", h.Recrypt),
	)
}

// Send sends cmd for tenant and returns the reply, its error as an error.
func (h *Harness) Send(ctx context.Context, cmd any, tenant string) (bus.Reply, error) {
	reply, err := h.Bus.Send(ctx, cmd, bus.Envelope{Tenant: tenant})
	if err == nil {
		err = reply.Error.Err()
	}
	return reply, err
}

// Sync returns once the projections applied every committed event.
func (h *Harness) Sync(ctx context.Context) error {
	return h.Runner.WaitFor(ctx, h.Events.Last())
}

// Caller is a vhost.Auth for subject in tenant (its first group) and the
// further groups, with roles.
func Caller(subject, tenant string, groups []string, roles ...string) vhost.Auth {
	return vhost.Auth{
		Auth:   handlers.Auth{Caller: handlers.Caller{Subject: subject, Tenant: tenant, Roles: roles}},
		Groups: append([]string{tenant}, groups...),
	}
}
