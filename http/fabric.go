package rest

import (
	"net/http"
	"net/url"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// fabricBody is the POST/PATCH body of Fabric Ziti credentials: no url, and
// unknown fields are refused.
type fabricBody struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
}

func (s *Server) listFabric(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.query(w, r, p, "ListFabricSecrets", &handlers.ListFabricSecrets{Auth: handlers.Auth{Caller: p.Caller()}})
}

func (s *Server) getFabric(w http.ResponseWriter, r *http.Request, p auth.Principal, id string) {
	cmd := &handlers.GetFabricSecret{Auth: handlers.Auth{Caller: p.Caller()}, ControllerID: id}
	s.query(w, r, p, "GetFabricSecret", cmd)
}

func (s *Server) createFabric(w http.ResponseWriter, r *http.Request, p auth.Principal, id string) {
	var body fabricBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.CreateFabricSecret{
		Auth: handlers.Auth{Caller: p.Caller()}, ControllerID: id,
		Username: deref(body.Username), Password: deref(body.Password),
	}
	location := "/registry-api/fabric/secret/" + url.PathEscape(id)
	s.dispatch(w, r, p, "CreateFabricSecret", cmd, http.StatusCreated, location)
}

func (s *Server) updateFabric(w http.ResponseWriter, r *http.Request, p auth.Principal, id string) {
	var body fabricBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.UpdateFabricSecret{
		Auth: handlers.Auth{Caller: p.Caller()}, ControllerID: id,
		Username: body.Username, Password: body.Password,
	}
	s.dispatch(w, r, p, "UpdateFabricSecret", cmd, http.StatusOK, "")
}

func (s *Server) deleteFabric(w http.ResponseWriter, r *http.Request, p auth.Principal, id string) {
	cmd := &handlers.DeleteFabricSecret{Auth: handlers.Auth{Caller: p.Caller()}, ControllerID: id}
	s.dispatch(w, r, p, "DeleteFabricSecret", cmd, http.StatusNoContent, "")
}
