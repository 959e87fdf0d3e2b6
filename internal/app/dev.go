package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// devIssuer is the built-in OIDC issuer of --dev: real keys, a real JWKS
// over HTTP, persisted in the data directory so `registryctl dev token`
// mints tokens this service accepts.
type devIssuer struct {
	issuer *oidcdev.Issuer
	server *http.Server
}

func startDevIssuer(cfg Config, logger *slog.Logger) (*devIssuer, error) {
	ln, err := net.Listen("tcp", cfg.DevIssuerAddr)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_DEV_ISSUER_ADDR %s: %w", cfg.DevIssuerAddr, err)
	}
	iss, err := oidcdev.New(oidcdev.Options{
		Issuer:   "http://" + ln.Addr().String(),
		Audience: cfg.OIDC.Audience,
		KeyFile:  datadir.Path(cfg.DataDir, datadir.DevIssuer),
	})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("dev issuer: %w", err)
	}
	srv := &http.Server{Handler: iss.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("dev issuer stopped", "error", err)
		}
	}()
	logger.Warn("DEV MODE: trusting the built-in dev issuer; never use --dev in production", "issuer", iss.IssuerURL())
	return &devIssuer{issuer: iss, server: srv}, nil
}

func (d *devIssuer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.server.Shutdown(ctx)
}
