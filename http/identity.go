package rest

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// identityRoutes mounts group, policy and policy-group-flow management.
// Paths are registered whole, not under a "/policy" subrouter, whose
// prefix would also match "/policy-group-flow". Roles are checked by the
// handlers (admin for groups and policies, none for the flow), so a refusal
// is an audited command too.
func (s *Server) identityRoutes(api *mux.Router) {
	api.HandleFunc("/group/{name}", s.authed(s.getGroup)).Methods(http.MethodGet)
	api.HandleFunc("/group/", s.authed(s.createGroup)).Methods(http.MethodPost)
	api.HandleFunc("/group", s.authed(s.createGroup)).Methods(http.MethodPost)
	api.HandleFunc("/group/{name}", s.authed(s.updateGroup)).Methods(http.MethodPatch)
	api.HandleFunc("/group/{name}", s.authed(s.deleteGroup)).Methods(http.MethodDelete)

	api.HandleFunc("/policy/{name}", s.authed(s.getPolicy)).Methods(http.MethodGet)
	api.HandleFunc("/policy/{name}", s.authed(s.createPolicy)).Methods(http.MethodPost)
	api.HandleFunc("/policy/{name}", s.authed(s.updatePolicy)).Methods(http.MethodPatch)
	api.HandleFunc("/policy/{name}", s.authed(s.deletePolicy)).Methods(http.MethodDelete)

	api.HandleFunc("/policy-group-flow/", s.authed(s.provisionTenant)).Methods(http.MethodPost)
	api.HandleFunc("/policy-group-flow", s.authed(s.provisionTenant)).Methods(http.MethodPost)
}

func groupLocation(name string) string { return "/registry-api/group/" + url.PathEscape(name) }

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.GetGroup{Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name")}
	s.dispatch(w, r, p, "GetGroup", cmd, http.StatusOK, "")
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body groupBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.CreateGroup{Auth: handlers.Auth{Caller: p.Caller()}, Name: body.Name, Policies: body.Policies, Metadata: body.Metadata}
	s.dispatch(w, r, p, "CreateGroup", cmd, http.StatusCreated, groupLocation(body.Name))
}

func (s *Server) updateGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body groupPatchBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.UpdateGroup{
		Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name"),
		Policies: body.Policies, Metadata: body.Metadata,
	}
	s.dispatch(w, r, p, "UpdateGroup", cmd, http.StatusOK, "")
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.DeleteGroup{Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name")}
	s.dispatch(w, r, p, "DeleteGroup", cmd, http.StatusNoContent, "")
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.GetPolicy{Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name")}
	s.dispatch(w, r, p, "GetPolicy", cmd, http.StatusOK, "")
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body policyBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	name := decodedVar(r, "name")
	cmd := &handlers.CreatePolicy{Auth: handlers.Auth{Caller: p.Caller()}, Name: name, Rules: body.Rules}
	s.dispatch(w, r, p, "CreatePolicy", cmd, http.StatusCreated, "/registry-api/policy/"+url.PathEscape(name))
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body policyBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.UpdatePolicy{Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name"), Rules: body.Rules}
	s.dispatch(w, r, p, "UpdatePolicy", cmd, http.StatusOK, "")
}

func (s *Server) deletePolicy(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.DeletePolicy{Auth: handlers.Auth{Caller: p.Caller()}, Name: decodedVar(r, "name")}
	s.dispatch(w, r, p, "DeletePolicy", cmd, http.StatusNoContent, "")
}

// provisionTenant runs the policy-group-flow for the caller's own tenant.
// The seed's request has no body; one sent is not read.
func (s *Server) provisionTenant(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.ProvisionTenant{Auth: handlers.Auth{Caller: p.Caller()}}
	s.dispatch(w, r, p, "ProvisionTenant", cmd, http.StatusCreated, groupLocation(p.Tenant))
}
