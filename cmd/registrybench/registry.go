package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

type registry struct {
	svc    *app.Service
	issuer *oidcdev.Issuer
	dir    string
	stop   func()
}

// startRegistry starts a registry in dir trusting an issuer of its own:
// embedded, unless configure changes the configuration. Its stop stops the
// issuer too.
func startRegistry(ctx context.Context, dir string, logger *slog.Logger, configure ...func(*app.Config)) (*registry, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	iss, err := oidcdev.New(oidcdev.Options{Issuer: "http://" + ln.Addr().String(), Audience: "registry-api"})
	if err != nil {
		ln.Close()
		return nil, err
	}
	issSrv := &http.Server{Handler: iss.Handler()}
	go issSrv.Serve(ln)
	cfg := app.Config{
		HTTPAddr: "127.0.0.1:0", DataDir: dir,
		OIDC: auth.Config{Issuer: iss.IssuerURL(), Audience: "registry-api"},
	}
	for _, f := range configure {
		f(&cfg)
	}
	r, err := runService(ctx, cfg, iss, logger)
	if err != nil {
		issSrv.Close()
		return nil, err
	}
	stopService := r.stop
	r.stop = sync.OnceFunc(func() { stopService(); issSrv.Close() })
	return r, nil
}

// runService builds a registry from cfg, trusting iss, runs it and waits
// until it is ready. stop may be called more than once. Every registry of
// the bench, the one on Vault included, takes REGISTRY_AUDIT_COMMIT_DELAY
// from the environment as registryd does, to compare delays in one sitting.
func runService(ctx context.Context, cfg app.Config, iss *oidcdev.Issuer, logger *slog.Logger) (*registry, error) {
	if d, err := time.ParseDuration(os.Getenv("REGISTRY_AUDIT_COMMIT_DELAY")); err == nil {
		cfg.Audit.CommitDelay = d
	}
	level := new(slog.LevelVar)
	level.Set(slog.LevelWarn)
	svc, err := app.New(ctx, cfg, logger, level)
	if err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = svc.Run(runCtx); close(done) }()
	stop := sync.OnceFunc(func() { cancel(); <-done })
	for i := 0; ; i++ {
		if resp, err := http.Get(svc.BaseURL() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 1000 {
			stop()
			return nil, fmt.Errorf("registry at %s not ready within 10s", svc.BaseURL())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return &registry{svc: svc, issuer: iss, dir: cfg.DataDir, stop: stop}, nil
}

// The tenant and secret every measurement reads.
const (
	benchTenant = "tenant-bench"
	benchSecret = "bench-secret"
)

// seedSecret stores one image-pull secret and returns its URL, a token and
// the exact response body a GET returns.
func (r *registry) seedSecret() (url, token string, body []byte, err error) {
	token, err = r.issuer.Mint(oidcdev.Claims{Subject: "bench", Groups: []string{benchTenant}, Roles: []string{"developer"}, TTL: time.Hour})
	if err != nil {
		return
	}
	url = r.svc.BaseURL() + "/registry-api/image-pull/secret/" + benchSecret
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(`{"username":"bench-user","password":"bench-password","url":"https://registry.example.com"}`)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return "", "", nil, fmt.Errorf("seed: status %d", resp.StatusCode)
	}
	req, _ = http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		return
	}
	defer resp.Body.Close()
	if body, err = io.ReadAll(resp.Body); err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("seed: read back: status %d", resp.StatusCode)
	}
	return
}
