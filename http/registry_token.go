package rest

import (
	"context"
	"fmt"
	"net/http"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/internal/security/auth"
)

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
