package rest

import (
	"net/http"
	"net/url"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// credentialBody is the POST/PATCH body of seed 000. Pointers tell a field
// that is absent from one sent empty; unknown fields are refused.
type credentialBody struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
	URL      *string `json:"url"`
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) listImagePull(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.query(w, r, p, "ListImagePullSecrets", &handlers.ListImagePullSecrets{Auth: handlers.Auth{Caller: p.Caller()}})
}

func (s *Server) getImagePull(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	cmd := &handlers.GetImagePullSecret{Auth: handlers.Auth{Caller: p.Caller()}, Name: name}
	s.query(w, r, p, "GetImagePullSecret", cmd)
}

func (s *Server) createImagePull(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	var body credentialBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.CreateImagePullSecret{
		Auth: handlers.Auth{Caller: p.Caller()}, Name: name,
		Username: deref(body.Username), Password: deref(body.Password), URL: deref(body.URL),
	}
	location := "/registry-api/image-pull/secret/" + url.PathEscape(name)
	s.dispatch(w, r, p, "CreateImagePullSecret", cmd, http.StatusCreated, location)
}

func (s *Server) updateImagePull(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	var body credentialBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.UpdateImagePullSecret{
		Auth: handlers.Auth{Caller: p.Caller()}, Name: name,
		Username: body.Username, Password: body.Password, URL: body.URL,
	}
	s.dispatch(w, r, p, "UpdateImagePullSecret", cmd, http.StatusOK, "")
}

func (s *Server) deleteImagePull(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	cmd := &handlers.DeleteImagePullSecret{Auth: handlers.Auth{Caller: p.Caller()}, Name: name}
	s.dispatch(w, r, p, "DeleteImagePullSecret", cmd, http.StatusNoContent, "")
}
