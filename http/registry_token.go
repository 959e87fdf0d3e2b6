package rest

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// TokenPath is where the Docker registry token service (seed 001) answers:
// GET and POST.
const TokenPath = "/token"

// MountRegistryToken serves GET and POST /token from h, the registry token
// service's handler (registrytoken.Handler), as a route of the REST router:
// it gets the same HTTP metrics (route "/token"), access log and no-store
// as every route, and the route table the OpenAPI document is checked
// against lists it. h answers in its own error body (the distribution
// registry's), its refusals of a bad query and of another method included:
// the facade's URL check and its 405 leave /token to h. keys's JWKS, the
// public key the tokens are signed with, is served at GET
// /token/jwks.json. Call it once, before serving, and only when the token
// service is on: otherwise neither is a route.
func (s *Server) MountRegistryToken(h http.Handler, keys KeySet) {
	s.token = h
	s.router.Handle(TokenPath, h).Methods(http.MethodGet, http.MethodPost)
	s.router.HandleFunc(TokenJWKSPath, serveJWKS(keys)).Methods(http.MethodGet)
}

// TokenJWKSPath serves the registry token service's public keys: what a
// distribution registry's auth.token.jwks file must hold. A registry
// reads that file once at start, so a deployment fetches it from here
// before starting the registry (docker-compose.yml does) rather than
// sharing registryd's data directory.
const TokenJWKSPath = TokenPath + "/jwks.json"

// KeySet publishes public signing keys as a JSON Web Key Set (RFC 7517).
type KeySet interface {
	JWKS() []byte
}

// serveJWKS answers with keys's JWKS, unauthenticated: public keys only.
func serveJWKS(keys KeySet) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		// Public data; short-lived caching spares the registry a
		// verifier's polling, and a verifier refetches on an unknown kid.
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(keys.JWKS())
	}
}

// isToken reports whether r is for the mounted token service.
func (s *Server) isToken(r *http.Request) bool {
	return s.token != nil && r.URL.EscapedPath() == TokenPath
}

// refusedByToken lets the token service answer a request for /token that
// no route took (another method), in its own error body.
func (s *Server) refusedByToken(w http.ResponseWriter, r *http.Request) bool {
	if !s.isToken(r) {
		return false
	}
	s.token.ServeHTTP(w, r)
	return true
}

// revokeBody names what to revoke: a grant id (admin) or every grant of a
// subject (admin, or the subject itself).
type revokeBody struct {
	ID      *string `json:"id"`
	Subject *string `json:"subject"`
}

// MountRegistryTokenRevocation serves POST
// /registry-api/registry-token/revoke: refresh tokens of the Docker
// registry token service are revoked in the caller's tenant, and the
// answer waits for sync (the projections) so this instance refuses them
// from then on. With the token service off (enabled false) it answers 404
// saying so.
func (s *Server) MountRegistryTokenRevocation(enabled bool, sync func(context.Context) error) {
	h := func(w http.ResponseWriter, r *http.Request, p auth.Principal) { s.revokeRegistryTokens(w, r, p, sync) }
	if !enabled {
		h = func(w http.ResponseWriter, r *http.Request, _ auth.Principal) {
			writeProblem(w, r, fmt.Errorf("%w: the registry token service is not enabled (REGISTRY_TOKEN_ENABLED)", handlers.ErrNotFound))
		}
	}
	s.router.HandleFunc("/registry-api/registry-token/revoke", s.authed(h)).Methods(http.MethodPost)
}

func (s *Server) revokeRegistryTokens(w http.ResponseWriter, r *http.Request, p auth.Principal, sync func(context.Context) error) {
	var body revokeBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: p.Caller()}, ID: deref(body.ID), Subject: deref(body.Subject)}
	data, ok := s.send(w, r, p, "RevokeRegistryRefreshTokens", cmd, writeProblem)
	if !ok {
		return
	}
	if sync != nil {
		if err := sync(r.Context()); err != nil {
			writeProblem(w, r, err)
			return
		}
	}
	writeData(w, http.StatusOK, data)
}
