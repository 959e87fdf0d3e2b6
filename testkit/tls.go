package testkit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// StartTLSService runs an embedded registry serving HTTPS with tlsCfg,
// trusting an issuer of its own, its log discarded, until the test ends.
// StartRegistry speaks plain HTTP to the registry it starts; the TLS tests
// only need the listener.
func StartTLSService(t testing.TB, tlsCfg app.TLSConfig) *app.Service {
	t.Helper()
	oidc := StartOIDC(t, Audience)
	cfg := app.Config{HTTPAddr: "127.0.0.1:0", DataDir: t.TempDir(), TLS: tlsCfg,
		OIDC: auth.Config{Issuer: oidc.URL, Audience: Audience}}
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), new(slog.LevelVar))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("registry stopped with: %v", err)
		}
	})
	return svc
}
