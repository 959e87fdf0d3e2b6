package oidcdev

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/url"
)

// maxFormBytes bounds a token request body.
const maxFormBytes = 64 << 10

// serveToken is the OAuth 2.0 token endpoint (RFC 6749 §4.1.3, §4.3, §4.4). Like
// Keycloak, a password grant names its client (a public one by client_id
// alone) and the client must be allowed the grant; refused credentials are
// 401 for both grants.
func (i *Issuer) serveToken(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	var c Claims
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		id, spec, ok := i.client(w, r)
		if !ok {
			return
		}
		if spec.Public {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "a public client cannot use the client_credentials grant")
			return
		}
		sub := spec.Subject
		if sub == "" {
			sub = id
		}
		c = Claims{Subject: sub, Groups: spec.Groups, Roles: spec.Roles, Extra: map[string]any{"azp": id}}
	case "password":
		id, spec, ok := i.client(w, r)
		if !ok {
			return
		}
		if !spec.PasswordGrant {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "client not allowed for direct access grants")
			return
		}
		name, pw := r.PostForm.Get("username"), r.PostForm.Get("password")
		user, known := i.opts.Users[name]
		if !secretMatches(known, user.Password, pw) {
			oauthError(w, http.StatusUnauthorized, "invalid_grant", "invalid user credentials")
			return
		}
		c = Claims{Subject: name, Groups: user.Groups, Roles: user.Roles, Extra: map[string]any{"preferred_username": name, "azp": id}}
	case "authorization_code":
		i.serveCodeGrant(w, r)
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "use authorization_code, client_credentials or password")
		return
	}
	tok, err := i.Mint(c)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(i.opts.TTL.Seconds()),
	})
}

// client authenticates the client of r: a confidential one by its secret,
// a public one by its client_id alone. A refusal is answered here.
func (i *Issuer) client(w http.ResponseWriter, r *http.Request) (string, ClientSpec, bool) {
	id, secret, basic, ok := clientCredentials(r)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "use one client authentication method")
		return "", ClientSpec{}, false
	}
	spec, known := i.clientSpec(id)
	if known && spec.Public && secret == "" {
		return id, spec, true
	}
	if !secretMatches(known && !spec.Public, spec.Secret, secret) {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="oidcissuer"`)
		}
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or bad secret")
		return "", ClientSpec{}, false
	}
	return id, spec, true
}

// clientCredentials reads client_id and client_secret from HTTP Basic (whose
// parts are form-encoded, RFC 6749 §2.3.1) or from the form. Using both is
// not ok (RFC 6749 §2.3).
func clientCredentials(r *http.Request) (id, secret string, basic, ok bool) {
	u, p, basic := r.BasicAuth()
	formID := r.PostForm.Get("client_id")
	formSecret := r.PostForm.Get("client_secret")
	if !basic {
		return formID, formSecret, false, true
	}
	if formSecret != "" {
		return "", "", true, false
	}
	if v, err := url.QueryUnescape(u); err == nil {
		u = v
	}
	if v, err := url.QueryUnescape(p); err == nil {
		p = v
	}
	return u, p, true, true
}

// secretMatches compares in constant time, and does the same work for an
// unknown name so response timing does not tell which names exist.
func secretMatches(known bool, want, got string) bool {
	w, g := sha256.Sum256([]byte(want)), sha256.Sum256([]byte(got))
	eq := subtle.ConstantTimeCompare(w[:], g[:]) == 1
	return known && want != "" && eq
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
