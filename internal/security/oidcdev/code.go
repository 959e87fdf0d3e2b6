package oidcdev

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// authCode is an issued authorization code and what it was issued for.
type authCode struct {
	req     authzRequest
	user    string
	authAt  time.Time
	expires time.Time
	used    bool
}

// issueCode returns a fresh code for user's sign-in to req, valid codeTTL.
func (l *loginState) issueCode(req authzRequest, user string, now time.Time) string {
	code := rand.Text()
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, c := range l.codes {
		if now.After(c.expires) {
			delete(l.codes, k)
		}
	}
	l.codes[code] = &authCode{req: req, user: user, authAt: now, expires: now.Add(codeTTL)}
	return code
}

// redeem marks code used and returns it. A code is used by its first
// presentation, whatever the outcome: a second is refused (RFC 6749
// §4.1.2). Tokens already issued from it are JWTs nobody can recall; the
// short TTL bounds them.
func (l *loginState) redeem(code string, now time.Time) (authCode, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.codes[code]
	switch {
	case !ok:
		return authCode{}, "unknown authorization code"
	case c.used:
		return authCode{}, "authorization code already used"
	}
	c.used = true
	if now.After(c.expires) {
		return authCode{}, "authorization code expired"
	}
	return *c, ""
}

// validVerifier: RFC 7636 §4.1, 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	return len(v) >= 43 && len(v) <= 128 &&
		strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~") == ""
}

// serveCodeGrant is the token endpoint's authorization_code grant (RFC 6749
// §4.1.3, RFC 7636 §4.5): the access token the other grants mint, for the
// signed-in user, and an ID token for the client.
func (i *Issuer) serveCodeGrant(w http.ResponseWriter, r *http.Request) {
	id, spec, ok := i.client(w, r)
	if !ok {
		return
	}
	if len(spec.RedirectURIs) == 0 {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "client not allowed the authorization_code grant")
		return
	}
	f := r.PostForm
	code, verifier := f.Get("code"), f.Get("code_verifier")
	switch {
	case code == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "code is required")
		return
	case !validVerifier(verifier):
		oauthError(w, http.StatusBadRequest, "invalid_request", "code_verifier is required: 43 to 128 unreserved characters (RFC 7636)")
		return
	}
	now := i.opts.Now()
	c, problem := i.login.redeem(code, now)
	if problem == "" {
		sum := sha256.Sum256([]byte(verifier))
		switch {
		case c.req.ClientID != id:
			problem = "authorization code issued to another client"
		case c.req.RedirectURI != f.Get("redirect_uri"):
			problem = "redirect_uri differs from the authorization request's"
		case subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.req.Challenge)) != 1:
			problem = "code_verifier does not match the code_challenge"
		}
	}
	if problem != "" {
		oauthError(w, http.StatusBadRequest, "invalid_grant", problem)
		return
	}
	user, known := i.opts.Users[c.user]
	if !known {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the user no longer exists")
		return
	}
	access, err := i.Mint(Claims{Subject: c.user, Groups: user.Groups, Roles: user.Roles,
		Extra: map[string]any{"preferred_username": c.user, "azp": id}})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	idExtra := map[string]any{"azp": id, "auth_time": c.authAt.Unix(), "preferred_username": c.user, "scope": nil}
	if c.req.Nonce != "" {
		idExtra["nonce"] = c.req.Nonce
	}
	idToken, err := i.Mint(Claims{Subject: c.user, Groups: user.Groups, Roles: user.Roles,
		Audience: []string{id}, Extra: idExtra})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "could not sign the token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access,
		"id_token":     idToken,
		"token_type":   "Bearer",
		"expires_in":   int(i.opts.TTL.Seconds()),
		"scope":        c.req.Scope,
	})
}
