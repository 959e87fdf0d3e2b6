package rest

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// pathVar returns the route variable key, percent-decoded. The router
// matches on the escaped path (so "%2F" stays inside one variable), and
// gorilla/mux hands variables over still escaped.
func pathVar(r *http.Request, key string) (string, error) {
	v, err := url.PathUnescape(mux.Vars(r)[key])
	if err != nil {
		return "", fmt.Errorf("%w: %s is not validly percent-encoded", handlers.ErrInvalid, key)
	}
	return v, nil
}

// named runs h with the request's decoded {name}; a badly encoded one is 400.
func named(h func(http.ResponseWriter, *http.Request, auth.Principal, string)) authedHandler {
	return namedBy("name", h)
}

func namedBy(key string, h func(http.ResponseWriter, *http.Request, auth.Principal, string)) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, p auth.Principal) {
		name, err := pathVar(r, key)
		if err != nil {
			writeProblem(w, r, err)
			return
		}
		h(w, r, p, name)
	}
}

// decodedVar is pathVar for handlers that validate the name themselves: a
// badly encoded variable is returned as it came, and the handler's name
// rules refuse it ('%' is reserved in every name).
func decodedVar(r *http.Request, key string) string {
	v, err := pathVar(r, key)
	if err != nil {
		return mux.Vars(r)[key]
	}
	return v
}
