package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// roleMappingBody is the body of POST (principalId, role) and PUT (role)
// /admin/roleMappings; principalName is accepted and ignored, as the
// registries of seed 002 send it.
type roleMappingBody struct {
	PrincipalID   *string `json:"principalId"`
	Role          *string `json:"role"`
	PrincipalName *string `json:"principalName"`
}

// MountRoleMappings serves /registry-api/admin/roleMappings (seed 002):
// admin only, one role per user of the caller's tenant. sync returns once
// the projections applied every committed event, so a write's answer is
// already what authorization sees.
func (s *Server) MountRoleMappings(sync func(context.Context) error) {
	api := s.router.PathPrefix("/registry-api").Subrouter()
	rm := &roleMappingRoutes{s: s, sync: sync}
	api.HandleFunc("/admin/roleMappings", s.authed(rm.list)).Methods(http.MethodGet)
	api.HandleFunc("/admin/roleMappings", s.authed(rm.create)).Methods(http.MethodPost)
	api.HandleFunc("/admin/roleMappings/{principalId}", s.authed(rm.get)).Methods(http.MethodGet)
	api.HandleFunc("/admin/roleMappings/{principalId}", s.authed(rm.update)).Methods(http.MethodPut)
	api.HandleFunc("/admin/roleMappings/{principalId}", s.authed(rm.delete)).Methods(http.MethodDelete)
}

type roleMappingRoutes struct {
	s    *Server
	sync func(context.Context) error
}

func principalOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, err := pathVar(r, "principalId")
	if err != nil {
		writeProblem(w, r, err)
		return "", false
	}
	return id, true
}

func (rm *roleMappingRoutes) list(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	rm.s.dispatch(w, r, p, "ListRoleMappings", &rolemap.ListRoleMappings{Auth: handlers.Auth{Caller: p.Caller()}}, http.StatusOK, "")
}

func (rm *roleMappingRoutes) get(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if id, ok := principalOf(w, r); ok {
		rm.s.dispatch(w, r, p, "GetRoleMapping", &rolemap.GetRoleMapping{Auth: handlers.Auth{Caller: p.Caller()}, PrincipalID: id}, http.StatusOK, "")
	}
}

func (rm *roleMappingRoutes) create(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body roleMappingBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &rolemap.CreateRoleMapping{Auth: handlers.Auth{Caller: p.Caller()}, PrincipalID: deref(body.PrincipalID), Role: deref(body.Role)}
	rm.synced(w, r, p, "CreateRoleMapping", cmd, http.StatusCreated, "/registry-api/admin/roleMappings/"+url.PathEscape(cmd.PrincipalID))
}

func (rm *roleMappingRoutes) update(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	id, ok := principalOf(w, r)
	if !ok {
		return
	}
	var body roleMappingBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	if body.PrincipalID != nil && *body.PrincipalID != id {
		writeProblem(w, r, fmt.Errorf("%w: principalId in the body is not the one in the path", handlers.ErrInvalid))
		return
	}
	cmd := &rolemap.UpdateRoleMapping{Auth: handlers.Auth{Caller: p.Caller()}, PrincipalID: id, Role: deref(body.Role)}
	rm.synced(w, r, p, "UpdateRoleMapping", cmd, http.StatusOK, "")
}

func (rm *roleMappingRoutes) delete(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if id, ok := principalOf(w, r); ok {
		rm.synced(w, r, p, "DeleteRoleMapping", &rolemap.DeleteRoleMapping{Auth: handlers.Auth{Caller: p.Caller()}, PrincipalID: id}, http.StatusNoContent, "")
	}
}

// synced is dispatch that waits for the projections before answering a
// write that succeeded.
func (rm *roleMappingRoutes) synced(w http.ResponseWriter, r *http.Request, p auth.Principal, op string, cmd any, okStatus int, location string) {
	data, ok := rm.s.send(w, r, p, op, cmd, writeProblem)
	if !ok {
		return
	}
	if rm.sync != nil {
		if err := rm.sync(r.Context()); err != nil {
			writeProblem(w, r, err)
			return
		}
	}
	if location != "" {
		w.Header().Set("Location", location)
	}
	writeData(w, okStatus, data)
}
