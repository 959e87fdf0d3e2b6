package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// csrfField is the hidden form field holding the session's synchronizer
// token.
const csrfField = "csrf"

// maxForm bounds a console form's body.
const maxForm = 64 << 10

// posted guards a state change: the request must come from this origin
// (Origin and Sec-Fetch-Site, when the browser sends them) and carry the
// session's synchronizer token in its form; otherwise 403 and h never
// runs. The SameSite=Strict cookie is a third line.
func (c *Console) posted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !sameOrigin(r) {
			c.renderError(w, r, nil, http.StatusForbidden, "Refused: the request came from another site.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			c.renderError(w, r, nil, http.StatusBadRequest, "The form could not be read.")
			return
		}
		v, ok := c.visitOf(r)
		if !ok {
			c.renderError(w, r, nil, http.StatusForbidden, "Refused: no session. Sign in again.")
			return
		}
		got := r.PostForm.Get(csrfField)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(v.session.csrf)) != 1 {
			c.renderError(w, r, nil, http.StatusForbidden, "Refused: the form's security token is missing or wrong. Reload the page and try again.")
			return
		}
		h(w, r)
	}
}

// sameOrigin is false when the browser says the request was made by
// another site: Sec-Fetch-Site other than same-origin (or none: typed or
// bookmarked), or an Origin other than this host's. The scheme is not
// compared: behind a proxy that ends TLS the request arrives over HTTP
// from an https origin.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	return (u.Scheme == "http" || u.Scheme == "https") && u.Host == r.Host
}
