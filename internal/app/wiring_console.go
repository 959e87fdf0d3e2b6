package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/http/console"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// mountConsole serves the operator console beside the REST API when it is
// on: another client of the same queries, commands, token verification
// and authorization options.
func (s *Service) mountConsole(next http.Handler, verifier *auth.Verifier, metrics prometheus.Gatherer) (http.Handler, error) {
	if !s.cfg.Console.Enabled {
		return next, nil
	}
	deps := console.Deps{
		Bus: s.bus, Queries: s.queries, Verifier: verifier,
		Authz: s.cfg.authzConfig(), Roles: s.roleMappings(),
		Issuer: s.cfg.OIDC.Issuer, ClientID: s.cfg.Console.ClientID, ClientSecret: s.cfg.Console.ClientSecret,
		VirtualHosts: s.vhosts.Queries(), Sync: s.WaitProjections, Logger: s.logger,
		LogLevels: s.rest.LogLevels(), Instance: s.instance, Policy: s.policy,
	}
	if s.token != nil {
		deps.TokenService, deps.Gatherer = s.token.tokens, metrics
	}
	c, err := console.New(deps)
	if err != nil {
		return nil, err
	}
	return console.Mount(next, c), nil
}
