package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/hypo-registry/registry/internal/security/auth"
)

const (
	// sessionCookie holds the session id; loginCookie the id of a sign-in
	// under way, which binds the issuer's answer to this browser.
	sessionCookie = "registry_console"
	loginCookie   = "registry_console_login"
	// loginTTL bounds a sign-in at the issuer's login page.
	loginTTL = 10 * time.Minute
)

type endpoints struct{ authorization, token string }

// discovered returns the issuer's code-flow endpoints, read from its
// discovery document once it has them (the dev issuer may gain its login
// page after registryd starts).
func (c *Console) discovered(ctx context.Context) (endpoints, error) {
	c.endpointsMu.Lock()
	defer c.endpointsMu.Unlock()
	if c.endpoints != nil {
		return *c.endpoints, nil
	}
	authURL, tokenURL, err := auth.DiscoverCodeFlow(ctx, c.deps.Issuer)
	if err != nil {
		return endpoints{}, err
	}
	c.endpoints = &endpoints{authorization: authURL, token: tokenURL}
	return *c.endpoints, nil
}

// oauth is the client configuration for r: the redirect URI is this
// console's callback on the host the browser reached.
func (c *Console) oauth(r *http.Request, ep endpoints) *oauth2.Config {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	// A public client names itself in the form; a confidential one
	// authenticates with HTTP basic (client_secret_basic).
	style := oauth2.AuthStyleInParams
	if c.deps.ClientSecret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID: c.deps.ClientID, ClientSecret: c.deps.ClientSecret,
		Endpoint:    oauth2.Endpoint{AuthURL: ep.authorization, TokenURL: ep.token, AuthStyle: style},
		RedirectURL: scheme + "://" + r.Host + "/console/callback",
		Scopes:      []string{"openid"},
	}
}

// login starts the authorization-code grant with PKCE (S256): the state and
// verifier stay here, bound to a short-lived cookie.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	ep, err := c.discovered(r.Context())
	if err != nil {
		c.deps.Logger.Error("console sign-in: issuer discovery", "issuer", c.deps.Issuer, "error", err)
		c.renderError(w, r, nil, http.StatusServiceUnavailable, "The identity provider cannot be reached, or offers no authorization-code sign-in.")
		return
	}
	p := pending{state: randomID(), verifier: oauth2.GenerateVerifier(), expires: c.deps.Now().Add(loginTTL)}
	id, err := c.sessions.begin(p)
	if err != nil {
		c.renderError(w, r, nil, http.StatusServiceUnavailable, "Too many sign-ins under way: try again shortly.")
		return
	}
	// Lax, not Strict: the browser comes back from the issuer's site, and
	// a Strict cookie would not be sent with that navigation.
	c.setCookie(w, r, loginCookie, id, loginTTL, http.SameSiteLaxMode)
	http.Redirect(w, r, c.oauth(r, ep).AuthCodeURL(p.state, oauth2.S256ChallengeOption(p.verifier)), http.StatusSeeOther)
}

// callback checks the state against the sign-in of this browser, exchanges
// the code with the verifier, verifies the access token as the REST API
// would, and starts a session that ends with the token.
func (c *Console) callback(w http.ResponseWriter, r *http.Request) {
	ck, err := r.Cookie(loginCookie)
	c.setCookie(w, r, loginCookie, "", -1, http.SameSiteLaxMode)
	if err != nil {
		c.renderError(w, r, nil, http.StatusBadRequest, "No sign-in is under way in this browser: start again.")
		return
	}
	p, ok := c.sessions.finish(ck.Value)
	q := r.URL.Query()
	if !ok || subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.state)) != 1 {
		c.renderError(w, r, nil, http.StatusBadRequest, "This sign-in does not match the one this browser started: start again.")
		return
	}
	if e := q.Get("error"); e != "" {
		c.renderError(w, r, nil, http.StatusForbidden, "The identity provider refused the sign-in ("+e+").")
		return
	}
	code := q.Get("code")
	if code == "" {
		c.renderError(w, r, nil, http.StatusBadRequest, "The identity provider sent no authorization code.")
		return
	}
	ep, err := c.discovered(r.Context())
	if err != nil {
		c.renderError(w, r, nil, http.StatusServiceUnavailable, "The identity provider cannot be reached.")
		return
	}
	ctx := context.WithValue(r.Context(), oauth2.HTTPClient, c.deps.HTTPClient)
	tok, err := c.oauth(r, ep).Exchange(ctx, code, oauth2.VerifierOption(p.verifier))
	if err != nil {
		c.deps.Logger.Warn("console sign-in: code exchange refused", "error", exchangeError(err))
		c.renderError(w, r, nil, http.StatusForbidden, "The identity provider refused the sign-in.")
		return
	}
	principal, err := c.authn.Authenticate(r.Context(), []string{"Bearer " + tok.AccessToken})
	if err != nil {
		c.renderError(w, r, nil, http.StatusForbidden, "The access token was refused: "+err.Error())
		return
	}
	sess := &session{token: tok.AccessToken, expires: principal.Expiry, subject: principal.Subject, tenant: principal.Tenant}
	if principal.Expiry.IsZero() {
		sess.expires = c.deps.Now().Add(time.Hour)
	}
	id, err := c.sessions.start(sess)
	if err != nil {
		c.renderError(w, r, nil, http.StatusServiceUnavailable, "Too many sessions: try again shortly.")
		return
	}
	c.setCookie(w, r, sessionCookie, id, time.Until(sess.expires), http.SameSiteStrictMode)
	// The issuer's redirect is a cross-site navigation: a Strict cookie set
	// now would not be sent with a redirect that follows it. A page that
	// moves on by itself is a same-site navigation.
	c.render(w, r, nil, http.StatusOK, "signedin.html", nil)
}

// exchangeError is what of a refused exchange may be logged: the OAuth
// error code, never the response body.
func exchangeError(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return re.ErrorCode
	}
	return "exchange failed"
}

// logout ends the session (a POST with the CSRF token: posted).
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		c.sessions.end(ck.Value)
	}
	c.setCookie(w, r, sessionCookie, "", -1, http.SameSiteStrictMode)
	http.Redirect(w, r, "/console/signed-out", http.StatusSeeOther)
}

func (c *Console) signedOut(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, nil, http.StatusOK, "signedout.html", nil)
}

// setCookie sets a console cookie: HttpOnly, Secure over TLS, on /console/
// only; maxAge < 0 deletes it.
func (c *Console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration, same http.SameSite) {
	ck := &http.Cookie{Name: name, Value: value, Path: Prefix, HttpOnly: true, Secure: r.TLS != nil, SameSite: same}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(maxAge / time.Second)
	}
	http.SetCookie(w, ck)
}
