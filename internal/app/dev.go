package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// DevUser is a demo user of the --dev issuer's login page. Its password is
// random, kept in the data directory's dev-issuer.json, and printed by
// registryd --dev: dev only.
type DevUser struct {
	Name, Password, Tenant string
	Roles                  []string
}

// devIssuer is the built-in OIDC issuer of --dev: real keys, a real JWKS
// over HTTP, persisted in the data directory so `registryctl dev token`
// mints tokens this service accepts; a login page for the console's
// authorization-code sign-in, with a demo user per tenant.
type devIssuer struct {
	issuer *oidcdev.Issuer
	server *http.Server
	users  []DevUser
}

// devUsers are the demo users: a tenant admin of tenant-a and a developer
// of tenant-b, with the role names this service checks.
func devUsers(cfg Config) []DevUser {
	az := cfg.authzConfig()
	return []DevUser{
		{Name: "alice", Tenant: "tenant-a", Roles: []string{az.AdminRole, az.DeveloperRole}},
		{Name: "bob", Tenant: "tenant-b", Roles: []string{az.DeveloperRole}},
	}
}

func startDevIssuer(cfg Config, logger *slog.Logger) (*devIssuer, error) {
	keyFile := datadir.Path(cfg.DataDir, datadir.DevIssuer)
	users := devUsers(cfg)
	passwords, err := oidcdev.DevPasswords(keyFile, "alice", "bob")
	if err != nil {
		return nil, fmt.Errorf("dev issuer: %w", err)
	}
	specs := map[string]oidcdev.UserSpec{}
	for i, u := range users {
		users[i].Password = passwords[u.Name]
		specs[u.Name] = oidcdev.UserSpec{Password: users[i].Password, Groups: []string{u.Tenant}, Roles: u.Roles}
	}
	ln, err := net.Listen("tcp", cfg.DevIssuerAddr)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_DEV_ISSUER_ADDR %s: %w", cfg.DevIssuerAddr, err)
	}
	iss, err := oidcdev.New(oidcdev.Options{
		Issuer:   "http://" + ln.Addr().String(),
		Audience: cfg.OIDC.Audience,
		KeyFile:  keyFile,
		Users:    specs,
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
	return &devIssuer{issuer: iss, server: srv, users: users}, nil
}

// addConsole registers the console's public client once the REST listener
// (where the console is served) has its address: its callback on that
// port, by loopback name and address, and by the listener's own host.
func (d *devIssuer) addConsole(addr string, tls bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("dev issuer: console client: %w", err)
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	hosts := []string{"localhost", "127.0.0.1"}
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() && !slices.Contains(hosts, host) {
		hosts = append(hosts, host)
	}
	var uris []string
	for _, h := range hosts {
		uris = append(uris, scheme+"://"+net.JoinHostPort(h, port)+oidcdev.ConsoleCallbackPath)
	}
	if err := d.issuer.AddClient(oidcdev.ConsoleClientID, oidcdev.ClientSpec{Public: true, RedirectURIs: uris}); err != nil {
		return fmt.Errorf("dev issuer: %w", err)
	}
	return nil
}

func (d *devIssuer) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.server.Shutdown(ctx)
}

// DevUsers are the demo users of the --dev issuer's login page (nil
// without --dev).
func (s *Service) DevUsers() []DevUser {
	if s.dev == nil {
		return nil
	}
	return slices.Clone(s.dev.users)
}
