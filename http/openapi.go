package rest

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/schemas"
)

// openAPIRoutes serves the OpenAPI document, unauthenticated: it describes
// the API, it holds nothing of a tenant. The route has no variables, so the
// router's encoded-path matching changes nothing here.
func (s *Server) openAPIRoutes(api *mux.Router) {
	api.HandleFunc("/openapi.json", serveOpenAPI).Methods(http.MethodGet)
}

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(schemas.OpenAPI)
}
