package rest

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// kubeConfJWKSPath is where the terminal tokens' public keys are served.
const kubeConfJWKSPath = "/registry-api/kube-conf/jwks.json"

// kubeConfRoutes mounts the kube-conf resource. Kubeconfigs are stored over
// Kafka, never here (seed 000); the JWKS route is mounted by
// MountTerminalJWKS.
func (s *Server) kubeConfRoutes(api *mux.Router) {
	api.HandleFunc("/kube-conf/secrets", s.authed(s.listKubeconfigs)).Methods(http.MethodGet)
	api.HandleFunc("/kube-conf/token/{serviceId}/{id}", s.authedAs(writeAccess, s.issueTerminalToken)).Methods(http.MethodGet)
}

func (s *Server) listKubeconfigs(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	s.query(w, r, p, "ListKubeconfigs", &handlers.ListKubeconfigs{Auth: handlers.Auth{Caller: p.Caller()}})
}

func (s *Server) issueTerminalToken(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	serviceID, err := pathVar(r, "serviceId")
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	id, err := pathVar(r, "id")
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	cmd := &handlers.IssueTerminalToken{Auth: handlers.Auth{Caller: p.Caller()}, ServiceID: serviceID, ID: id}
	s.query(w, r, p, "IssueTerminalToken", cmd)
}

// TerminalKeys publishes the public keys terminal access tokens are signed
// with (terminaltoken.Signer).
type TerminalKeys = KeySet

// MountTerminalJWKS serves keys' JWKS, unauthenticated, at
// GET /registry-api/kube-conf/jwks.json, so a terminal gateway can verify
// the tokens. Call it once, before serving.
func (s *Server) MountTerminalJWKS(keys TerminalKeys) {
	s.router.HandleFunc(kubeConfJWKSPath, serveJWKS(keys)).Methods(http.MethodGet)
}
