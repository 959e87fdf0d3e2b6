package oidcdev

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

const (
	// codeTTL bounds an authorization code's life (RFC 6749 §4.1.2
	// recommends at most 10 minutes; a browser redirect needs seconds).
	codeTTL = 60 * time.Second
	// loginTTL bounds how long a login page may be left open.
	loginTTL = 10 * time.Minute
	// maxAttempts is how many failed sign-ins one username may have per
	// minute; more are refused without checking the password.
	maxAttempts = 10
	// csrfCookie carries the browser's half of the login form's CSRF token.
	csrfCookie = "oidcdev_login"
	// badCredentials is the one message for an unknown user and a wrong
	// password, so the page does not tell which usernames exist.
	badCredentials = "Invalid username or password."
)

//go:embed web/pages.html web/login.css
var webFS embed.FS

var pages = template.Must(template.ParseFS(webFS, "web/pages.html"))

// loginState is what the login page and the code grant share: a key that
// signs pending authorization requests and CSRF tokens (per process: a
// restart ends pending sign-ins, nothing more), the issued codes and the
// recent attempts per username.
type loginState struct {
	key      []byte
	mu       sync.Mutex
	codes    map[string]*authCode
	attempts map[string]*attemptWindow
}

type attemptWindow struct {
	start time.Time
	n     int
}

func newLoginState() *loginState {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails
	return &loginState{key: key, codes: map[string]*authCode{}, attempts: map[string]*attemptWindow{}}
}

func (l *loginState) mac(purpose string, parts ...string) []byte {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(purpose))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return m.Sum(nil)
}

// seal is the login form's hidden "request" field: the validated
// authorization request, signed, so the POST needs no server-side session.
func (l *loginState) seal(req authzRequest) string {
	b, _ := json.Marshal(req) // plain strings and an int: cannot fail
	body := base64.RawURLEncoding.EncodeToString(b)
	return body + "." + base64.RawURLEncoding.EncodeToString(l.mac("request", body))
}

// open is the inverse of seal; it refuses a forged or expired request.
func (l *loginState) open(field string, now time.Time) (authzRequest, error) {
	body, sig, ok := strings.Cut(field, ".")
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if !ok || err != nil || !hmac.Equal(got, l.mac("request", body)) {
		return authzRequest{}, errors.New("the sign-in request is not valid")
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	var req authzRequest
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		return authzRequest{}, errors.New("the sign-in request is not valid")
	}
	if now.Unix() > req.Expires {
		return authzRequest{}, errors.New("the sign-in page expired")
	}
	return req, nil
}

// csrfToken binds the login form to the browser (its cookie) and to the
// authorization request, so another site can neither post a login nor
// replay a form for another request.
func (l *loginState) csrfToken(cookie, request string) string {
	return base64.RawURLEncoding.EncodeToString(l.mac("csrf", cookie, request))
}

func (l *loginState) csrfValid(cookie, request, token string) bool {
	got, err := base64.RawURLEncoding.DecodeString(token)
	return cookie != "" && err == nil && hmac.Equal(got, l.mac("csrf", cookie, request))
}

// limited reports whether username has failed maxAttempts times this
// minute. Unknown names count too: the limit must not tell which names
// exist.
func (l *loginState) limited(username string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.attempts[username]
	return w != nil && now.Sub(w.start) < time.Minute && w.n >= maxAttempts
}

// failed counts a failed sign-in of username.
func (l *loginState) failed(username string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.attempts[username]
	if w == nil || now.Sub(w.start) >= time.Minute {
		if len(l.attempts) > 10000 {
			clear(l.attempts) // a flood of names: forget, rather than grow
		}
		w = &attemptWindow{start: now}
		l.attempts[username] = w
	}
	w.n++
}

// loginPage is what the login template shows.
type loginPage struct {
	Stylesheet, Action, ClientID, Request, CSRF, Username, Error string
}

// securityHeaders are sent with every page: a strict CSP (no script at all,
// styles only from the issuer, no framing). form-action also names the
// redirect URI's origin, since browsers apply it to the redirect that
// follows the form's POST.
func securityHeaders(w http.ResponseWriter, redirectURI string) {
	formAction := "'self'"
	if u, err := url.Parse(redirectURI); err == nil && u.Scheme != "" && u.Host != "" {
		formAction += " " + u.Scheme + "://" + u.Host
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; form-action "+formAction+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
}

func (i *Issuer) renderLogin(w http.ResponseWriter, status int, req authzRequest, sealed, cookie, username, msg string) {
	securityHeaders(w, req.RedirectURI)
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "login", loginPage{ // the client is gone; nothing to do
		Stylesheet: i.path("/login.css"), Action: i.path("/authorize"), ClientID: req.ClientID,
		Request: sealed, CSRF: i.login.csrfToken(cookie, sealed), Username: username, Error: msg,
	})
}

// errorPage answers what cannot be redirected to the client: an unknown
// client or redirect URI, a forged or expired form.
func (i *Issuer) errorPage(w http.ResponseWriter, status int, msg string) {
	securityHeaders(w, "")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, "error", loginPage{Stylesheet: i.path("/login.css"), Error: msg})
}

func (i *Issuer) serveStylesheet(w http.ResponseWriter, _ *http.Request) {
	b, _ := webFS.ReadFile("web/login.css") // embedded: cannot fail
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "max-age=3600")
	_, _ = w.Write(b)
}

// browserCookie returns the CSRF cookie of r, setting a new one if r has
// none, scoped to the authorize endpoint.
func (i *Issuer) browserCookie(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= 26 {
		return c.Value
	}
	v := rand.Text()
	http.SetCookie(w, &http.Cookie{
		Name: csrfCookie, Value: v, Path: i.path("/authorize"),
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: strings.HasPrefix(i.opts.Issuer, "https://"),
	})
	return v
}
