// Package rest is the REST facade: it authenticates each request, turns it
// into a command on the bus and writes the command's reply as the response.
// It is the only package that knows HTTP.
package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// Sender sends a command and returns its reply (the bus).
type Sender interface {
	Send(ctx context.Context, cmd any, env bus.Envelope) (bus.Reply, error)
}

// Verifier authenticates a bearer token.
type Verifier interface {
	Verify(ctx context.Context, raw string) (auth.Principal, error)
}

// Check is a probe: nil when the part it checks is usable.
type Check struct {
	Name string
	Run  func(context.Context) error
}

// Deps are the server's collaborators.
type Deps struct {
	Bus Sender
	// Queries runs reads, lists and token issuance directly (query.Dispatcher):
	// they change nothing, so they do not travel the command bus.
	Queries  Sender
	Verifier Verifier
	Logger   *slog.Logger
	// LogLevel is the service's runtime-adjustable log level.
	LogLevel *slog.LevelVar
	// Instance names this instance in the log-level answers (its level is
	// its own).
	Instance string
	// Metrics registers the HTTP metrics; Gatherer serves /metrics.
	Metrics  prometheus.Registerer
	Gatherer prometheus.Gatherer
	Ready    []Check
	// Live are the checks /healthz requires: each fails only for a part
	// that has failed for good, which a restart recovers (the audit log
	// after a write or sync error). A dependency that may come back (Vault,
	// the issuer's key set) is readiness's, never liveness's: restarting
	// every replica would not bring it back.
	Live []Check
	// ReadyInfo, when set, adds information to /readyz's body that does
	// not decide readiness (the Kafka outbox's backlog).
	ReadyInfo func(context.Context) map[string]any
	// AdminRole is the default of Authz.AdminRole. Default "admin". The log
	// level is the platform admin's (Authz.PlatformAdminRole).
	AdminRole string
	// Authz holds the authorization options of seed 002 (all off by
	// default). Its AdminRole defaults to AdminRole.
	Authz authz.Config
	// Basic, when set, accepts HTTP basic credentials (a client's, or a
	// user's with the password grant), exchanged for a token at the issuer
	// (seed 002); nil refuses basic credentials.
	Basic BasicTokens
	// Roles answers role mappings; required when Authz.RoleSource is
	// "application".
	Roles authz.RoleMappings
	// NoAccessLog turns off the INFO line per request (accessLog).
	NoAccessLog bool
	// Policy is the operator's authorization policy
	// (REGISTRY_AUTHZ_POLICY), asked after the built-in options allowed a
	// request; nil: none.
	Policy *policy.Engine
}

// BasicTokens exchanges HTTP basic credentials for a bearer JWT
// (auth.BasicExchanger).
type BasicTokens interface {
	Token(ctx context.Context, id, secret string) (string, error)
}

// Server is the REST facade.
type Server struct {
	deps    Deps
	router  *mux.Router
	authn   *auth.Authenticator
	authz   *authz.Authorizer
	handler http.Handler
	// token is the registry token service's handler once mounted
	// (MountRegistryToken); nil when the service is off.
	token http.Handler
}

// New builds the router.
func New(deps Deps) (*Server, error) {
	if deps.Bus == nil || deps.Queries == nil || deps.Verifier == nil || deps.Logger == nil || deps.LogLevel == nil || deps.Metrics == nil || deps.Gatherer == nil {
		return nil, errors.New("rest: Bus, Queries, Verifier, Logger, LogLevel, Metrics and Gatherer are required")
	}
	if deps.AdminRole == "" {
		deps.AdminRole = "admin"
	}
	if deps.Authz.AdminRole == "" {
		deps.Authz.AdminRole = deps.AdminRole
	}
	az, err := authz.NewAuthorizer(deps.Authz, deps.Roles)
	if err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	deps.Authz = az.Config()
	authn, err := newAuthenticator(deps)
	if err != nil {
		return nil, fmt.Errorf("rest: %w", err)
	}
	s := &Server{deps: deps, router: mux.NewRouter(), authn: authn, authz: az}
	// Match on the escaped path, so a name may hold an encoded '/' (a
	// package-registry name that is a URL); handlers decode it with pathVar.
	s.router.UseEncodedPath()
	// No path cleaning: gorilla/mux would answer "a//b" or "a/../b" with a
	// redirect to another path, which a client may follow with another
	// method. A name's empty and dot-dot segments reach the name rules,
	// encoded or not, and are refused there.
	s.router.SkipClean(true)
	s.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.refusedByToken(w, r) {
			return
		}
		// gorilla/mux reports a method mismatch under a subrouter as not
		// found; a path that another method serves is 405.
		if allow := s.allowedMethods(r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			writeProblem(w, r, errMethod)
			return
		}
		writeProblem(w, r, errRouteNotFound)
	})
	s.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.refusedByToken(w, r) {
			return
		}
		w.Header().Set("Allow", strings.Join(s.allowedMethods(r), ", "))
		writeProblem(w, r, errMethod)
	})
	s.routes()
	instrumented, err := instrument(s.router, deps.Metrics)
	if err != nil {
		return nil, err
	}
	s.router.Use(instrumented, noteRoute)
	s.handler = s.accessLog(respond.NoStore(http.HandlerFunc(s.serve)))
	return s, nil
}

// allowedMethods lists the methods some route serves for r's path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		var match mux.RouteMatch
		if s.router.Match(probe, &match) && match.MatchErr == nil {
			allow = append(allow, m)
		}
	}
	return allow
}

// ServeHTTP serves the REST API and the operational endpoints. No answer
// is stored by a cache unless its route says so (respond.NoStore).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// serve refuses a URL that does not decode to valid UTF-8 before any route
// sees it, except on /token: the token service checks its own parameters
// (UTF-8 included) and refuses them in its own error body.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if !s.isToken(r) {
		if err := checkURL(r); err != nil {
			writeProblem(w, r, err)
			return
		}
	}
	s.router.ServeHTTP(w, r)
}

// Router exposes the route table (for the OpenAPI coverage test).
func (s *Server) Router() *mux.Router { return s.router }

func (s *Server) routes() {
	r := s.router
	// Operational: they answer no tenant's data, and say nothing of caching.
	r.Handle("/metrics", respond.Operational(promhttp.HandlerFor(s.deps.Gatherer, promhttp.HandlerOpts{}))).Methods(http.MethodGet)
	r.Handle("/healthz", respond.Operational(http.HandlerFunc(s.healthz))).Methods(http.MethodGet)
	r.HandleFunc("/readyz", s.readyz).Methods(http.MethodGet)

	api := r.PathPrefix("/registry-api").Subrouter()
	api.HandleFunc("/image-pull/secrets", s.authed(s.listImagePull)).Methods(http.MethodGet)
	api.HandleFunc("/image-pull/secret/{name}", s.authed(named(s.getImagePull))).Methods(http.MethodGet)
	api.HandleFunc("/image-pull/secret/{name}", s.authed(named(s.createImagePull))).Methods(http.MethodPost)
	api.HandleFunc("/image-pull/secret/{name}", s.authed(named(s.updateImagePull))).Methods(http.MethodPatch)
	api.HandleFunc("/image-pull/secret/{name}", s.authed(named(s.deleteImagePull))).Methods(http.MethodDelete)

	api.HandleFunc("/package-registry/secrets", s.authed(s.listPackageRegistry)).Methods(http.MethodGet)
	api.HandleFunc("/package-registry/secret/{name:.+}", s.authed(named(s.getPackageRegistry))).Methods(http.MethodGet)
	api.HandleFunc("/package-registry/secret/{name:.+}", s.authed(named(s.createPackageRegistry))).Methods(http.MethodPost)
	api.HandleFunc("/package-registry/secret/{name:.+}", s.authed(named(s.updatePackageRegistry))).Methods(http.MethodPatch)
	api.HandleFunc("/package-registry/secret/{name:.+}", s.authed(named(s.deletePackageRegistry))).Methods(http.MethodDelete)

	api.HandleFunc("/fabric/secrets", s.authed(s.listFabric)).Methods(http.MethodGet)
	api.HandleFunc("/fabric/secret/{controllerId}", s.authed(namedBy("controllerId", s.getFabric))).Methods(http.MethodGet)
	api.HandleFunc("/fabric/secret/{controllerId}", s.authed(namedBy("controllerId", s.createFabric))).Methods(http.MethodPost)
	api.HandleFunc("/fabric/secret/{controllerId}", s.authed(namedBy("controllerId", s.updateFabric))).Methods(http.MethodPatch)
	api.HandleFunc("/fabric/secret/{controllerId}", s.authed(namedBy("controllerId", s.deleteFabric))).Methods(http.MethodDelete)

	s.identityRoutes(api)
	s.kubeConfRoutes(api)
	s.openAPIRoutes(api)
	s.auditRoutes(api)
	api.HandleFunc("/admin/logs", s.authed(s.getLogLevel)).Methods(http.MethodGet)
	api.HandleFunc("/admin/logs", s.authed(s.setLogLevel)).Methods(http.MethodPut, http.MethodPost)
}
