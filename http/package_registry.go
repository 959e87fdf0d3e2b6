package rest

import (
	"net/http"
	"net/url"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// Package-registry secrets: the image-pull conventions, with names that may
// be URLs. A name holding '/' is sent percent-encoded in the path
// (/secret/https%3A%2F%2Fcharts.example.com%2Fmyrepo); handlers map it to
// one storage key (secretpath.RegistryKey).

func (s *Server) listPackageRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	cmd := &handlers.ListPackageRegistrySecrets{Auth: handlers.Auth{Caller: p.Caller()}}
	s.query(w, r, p, "ListPackageRegistrySecrets", cmd)
}

func (s *Server) getPackageRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	cmd := &handlers.GetPackageRegistrySecret{Auth: handlers.Auth{Caller: p.Caller()}, Name: name}
	s.query(w, r, p, "GetPackageRegistrySecret", cmd)
}

func (s *Server) createPackageRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	var body credentialBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.CreatePackageRegistrySecret{
		Auth: handlers.Auth{Caller: p.Caller()}, Name: name,
		Username: deref(body.Username), Password: deref(body.Password), URL: deref(body.URL),
	}
	location := "/registry-api/package-registry/secret/" + url.PathEscape(name)
	s.dispatch(w, r, p, "CreatePackageRegistrySecret", cmd, http.StatusCreated, location)
}

func (s *Server) updatePackageRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	var body credentialBody
	if err := decodeJSON(w, r, &body); err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.UpdatePackageRegistrySecret{
		Auth: handlers.Auth{Caller: p.Caller()}, Name: name,
		Username: body.Username, Password: body.Password, URL: body.URL,
	}
	s.dispatch(w, r, p, "UpdatePackageRegistrySecret", cmd, http.StatusOK, "")
}

func (s *Server) deletePackageRegistry(w http.ResponseWriter, r *http.Request, p auth.Principal, name string) {
	cmd := &handlers.DeletePackageRegistrySecret{Auth: handlers.Auth{Caller: p.Caller()}, Name: name}
	s.dispatch(w, r, p, "DeletePackageRegistrySecret", cmd, http.StatusNoContent, "")
}
