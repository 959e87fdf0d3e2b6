package oidcdev

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// authzRequest is a validated authorization request (RFC 6749 §4.1.1 with
// PKCE, RFC 7636), carried sealed through the login form.
type authzRequest struct {
	ClientID    string `json:"client_id"`
	RedirectURI string `json:"redirect_uri"`
	Scope       string `json:"scope"`
	State       string `json:"state,omitempty"`
	Nonce       string `json:"nonce,omitempty"`
	Challenge   string `json:"code_challenge"`
	Expires     int64  `json:"exp"`
}

// authzError is a refusal the client hears about on its redirect URI
// (RFC 6749 §4.1.2.1).
type authzError struct{ code, desc string }

// registeredRedirect reports whether client id exists, may use the code
// grant and registered redirectURI exactly.
func (i *Issuer) registeredRedirect(id, redirectURI string) bool {
	c, ok := i.clientSpec(id)
	return ok && redirectURI != "" && slices.Contains(c.RedirectURIs, redirectURI)
}

// parseAuthz validates q. A client or redirect URI that is not registered
// is answered with an error page here (ok false): never redirect to a URI
// nobody registered. Other problems come back as an authzError to redirect.
func (i *Issuer) parseAuthz(w http.ResponseWriter, q url.Values) (authzRequest, *authzError, bool) {
	for _, p := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method"} {
		if len(q[p]) > 1 {
			i.errorPage(w, http.StatusBadRequest, "The parameter "+p+" is repeated.")
			return authzRequest{}, nil, false
		}
	}
	req := authzRequest{
		ClientID: q.Get("client_id"), RedirectURI: q.Get("redirect_uri"), Scope: q.Get("scope"),
		State: q.Get("state"), Nonce: q.Get("nonce"), Challenge: q.Get("code_challenge"),
		Expires: i.opts.Now().Add(loginTTL).Unix(),
	}
	if !i.registeredRedirect(req.ClientID, req.RedirectURI) {
		i.errorPage(w, http.StatusBadRequest, "Unknown client, or a redirect URI this client has not registered.")
		return authzRequest{}, nil, false
	}
	switch {
	case q.Get("response_type") != "code":
		return req, &authzError{"unsupported_response_type", "only response_type=code is supported"}, true
	case !slices.Contains(strings.Fields(req.Scope), "openid"):
		return req, &authzError{"invalid_scope", "the scope must include openid"}, true
	case req.Challenge == "":
		return req, &authzError{"invalid_request", "PKCE is required: send code_challenge and code_challenge_method=S256"}, true
	case q.Get("code_challenge_method") != "S256":
		return req, &authzError{"invalid_request", "code_challenge_method must be S256"}, true
	case !validChallenge(req.Challenge):
		return req, &authzError{"invalid_request", "code_challenge is not a base64url SHA-256"}, true
	}
	return req, nil, true
}

// validChallenge: an S256 challenge is 32 bytes, base64url without padding.
func validChallenge(c string) bool {
	return len(c) == 43 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == ""
}

// serveAuthorize is the authorization endpoint's GET: the login page.
func (i *Issuer) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	req, aerr, ok := i.parseAuthz(w, r.URL.Query())
	if !ok {
		return
	}
	if aerr != nil {
		i.redirect(w, r, req, url.Values{"error": {aerr.code}, "error_description": {aerr.desc}})
		return
	}
	cookie := i.browserCookie(w, r)
	i.renderLogin(w, http.StatusOK, req, i.login.seal(req), cookie, "", "")
}

// serveLogin is the login form's POST: on good credentials, a code for the
// client on its redirect URI.
func (i *Issuer) serveLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		i.errorPage(w, http.StatusBadRequest, "The form could not be read.")
		return
	}
	now := i.opts.Now()
	sealed := r.PostForm.Get("request")
	req, err := i.login.open(sealed, now)
	if err != nil {
		i.errorPage(w, http.StatusBadRequest, err.Error()+".")
		return
	}
	if !i.registeredRedirect(req.ClientID, req.RedirectURI) {
		i.errorPage(w, http.StatusBadRequest, "This client or its redirect URI is no longer registered.")
		return
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !i.login.csrfValid(c.Value, sealed, r.PostForm.Get("csrf")) {
		i.errorPage(w, http.StatusForbidden, "The sign-in form was not sent from this page (CSRF check failed).")
		return
	}
	name, pw := r.PostForm.Get("username"), r.PostForm.Get("password")
	if i.login.limited(name, now) {
		i.renderLogin(w, http.StatusTooManyRequests, req, sealed, c.Value, name, "Too many sign-in attempts; wait a minute.")
		return
	}
	user, known := i.opts.Users[name]
	if !secretMatches(known, user.Password, pw) {
		i.login.failed(name, now)
		i.renderLogin(w, http.StatusOK, req, sealed, c.Value, name, badCredentials)
		return
	}
	code := i.login.issueCode(req, name, now)
	i.redirect(w, r, req, url.Values{"code": {code}})
}

// redirect sends the browser back to the client's registered redirect URI
// with params, state and iss (RFC 9207).
func (i *Issuer) redirect(w http.ResponseWriter, r *http.Request, req authzRequest, params url.Values) {
	u, _ := url.Parse(req.RedirectURI) // registered, so valid
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	q.Set("iss", i.opts.Issuer)
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
