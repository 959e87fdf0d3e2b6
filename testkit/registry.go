package testkit

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/hypo-registry/registry/auth"
	"github.com/hypo-registry/registry/service"
)

// Audience is the audience the test registry expects.
const Audience = "registry-api"

// Registry is a registryd running in-process on loopback, with its own data
// directory, trusting a real OIDC issuer over HTTP.
type Registry struct {
	*service.Service
	OIDC    *OIDC
	URL     string
	DataDir string
	// Logs holds every log line the service wrote, at DEBUG level.
	Logs *SyncBuffer
}

// StartRegistry starts a registry and stops it when the test ends. configure
// may adjust the configuration before start.
func StartRegistry(t testing.TB, configure ...func(*service.Config)) *Registry {
	t.Helper()
	issuer := StartOIDC(t, Audience)
	cfg := service.Config{
		HTTPAddr: "127.0.0.1:0",
		DataDir:  t.TempDir(),
		OIDC:     auth.Config{Issuer: issuer.URL, Audience: Audience},
	}
	for _, f := range configure {
		f(&cfg)
	}
	logs := &SyncBuffer{}
	level := new(slog.LevelVar)
	level.Set(slog.LevelDebug)
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := service.New(ctx, cfg, logger, level)
	if err != nil {
		cancel()
		t.Fatalf("start registry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
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
	r := &Registry{Service: svc, OIDC: issuer, URL: svc.BaseURL(), DataDir: cfg.DataDir, Logs: logs}
	r.waitReady(t)
	return r
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
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Bytes returns a copy of everything written so far.
func (b *SyncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
