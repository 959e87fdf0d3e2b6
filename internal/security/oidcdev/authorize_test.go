package oidcdev_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/net/html"
	"golang.org/x/oauth2"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// codeFlow is an issuer with a console-like public client, a confidential
// web client and two users, and a browser (cookie jar, redirects not
// followed) to drive the login page.
type codeFlow struct {
	o        *testkit.OIDC
	skew     *atomic.Int64 // seconds added to the issuer's clock
	callback string        // the public client's registered redirect URI
	conf     oauth2.Config
	browser  *http.Client
}

func startCodeFlow(t *testing.T) *codeFlow {
	t.Helper()
	// The redirect URI is a real server, so following the redirect proves
	// where the browser lands; the test reads code and state off the URL.
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "signed in") }))
	t.Cleanup(cb.Close)
	skew := new(atomic.Int64)
	o := testkit.StartOIDCWith(t, oidcdev.Options{
		Audience: "registry",
		Clients: map[string]oidcdev.ClientSpec{
			"console": {Public: true, RedirectURIs: []string{cb.URL + "/console/callback"}},
			"web":     {Secret: "web-secret", RedirectURIs: []string{cb.URL + "/web/callback"}},
			"ci":      {Secret: "ci-secret"},
		},
		Users: map[string]oidcdev.UserSpec{
			"alice": {Password: "alice-pw", Groups: []string{"tenant-a"}, Roles: []string{"developer", "admin"}},
			"bob":   {Password: "bob-pw", Groups: []string{"tenant-b"}, Roles: []string{"developer"}},
			"carol": {Password: "carol-pw", Groups: []string{"tenant-b"}},
		},
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load()) * time.Second) },
	})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &codeFlow{
		o: o, skew: skew, callback: cb.URL + "/console/callback", browser: browser,
		conf: oauth2.Config{
			ClientID:    "console",
			Endpoint:    oauth2.Endpoint{AuthURL: o.URL + "/authorize", TokenURL: o.URL + "/token", AuthStyle: oauth2.AuthStyleInParams},
			RedirectURL: cb.URL + "/console/callback",
			Scopes:      []string{oidc.ScopeOpenID, "profile"},
		},
	}
}

// form is the login page's form: where it posts and its fields.
type form struct {
	action string
	fields url.Values
}

// parseLoginPage reads the login form out of the page, and fails the test
// on any script in it.
func parseLoginPage(t *testing.T, body string) form {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	f := form{fields: url.Values{}}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("inline handler or style: <%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
			switch n.Data {
			case "script", "style":
				t.Errorf("the login page has a <%s> element", n.Data)
			case "form":
				if attr["method"] != "post" {
					t.Errorf("form method %q", attr["method"])
				}
				f.action = attr["action"]
			case "input":
				f.fields.Set(attr["name"], attr["value"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if f.action == "" || f.fields.Get("request") == "" || f.fields.Get("csrf") == "" {
		t.Fatalf("no login form in:\n%s", body)
	}
	return f
}

func (f *codeFlow) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	resp, err := f.browser.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// loginPage opens the login page for authURL and returns its form.
func (f *codeFlow) loginPage(t *testing.T, authURL string) form {
	t.Helper()
	resp, body := f.get(t, authURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET authorize: %s\n%s", resp.Status, body)
	}
	return parseLoginPage(t, body)
}

// submit posts the login form with username and password.
func (f *codeFlow) submit(t *testing.T, fm form, username, password string) (*http.Response, string) {
	t.Helper()
	vals := url.Values{}
	for k, v := range fm.fields {
		vals[k] = slices.Clone(v)
	}
	vals.Set("username", username)
	vals.Set("password", password)
	action, err := url.Parse(f.o.URL)
	if err != nil {
		t.Fatal(err)
	}
	action, _ = action.Parse(fm.action)
	resp, err := f.browser.PostForm(action.String(), vals)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// signIn runs the browser part of the flow and returns the code and state
// the browser brought to the redirect URI.
func (f *codeFlow) signIn(t *testing.T, authURL, username, password string) (code, state string) {
	t.Helper()
	resp, body := f.submit(t, f.loginPage(t, authURL), username, password)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST login: %s, want 303\n%s", resp.Status, body)
	}
	loc, err := resp.Location()
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != f.callback {
		t.Fatalf("redirected to %s, want %s", got, f.callback)
	}
	if r, b := f.get(t, loc.String()); r.StatusCode != http.StatusOK || b != "signed in" {
		t.Fatalf("following the redirect: %s %s", r.Status, b)
	}
	q := loc.Query()
	if q.Get("iss") != f.o.URL {
		t.Errorf("iss %q, want %q", q.Get("iss"), f.o.URL)
	}
	return q.Get("code"), q.Get("state")
}

func TestAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	f := startCodeFlow(t)
	ctx := t.Context()
	provider, err := oidc.NewProvider(ctx, f.o.URL)
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		AuthURL    string   `json:"authorization_endpoint"`
		Responses  []string `json:"response_types_supported"`
		Challenges []string `json:"code_challenge_methods_supported"`
		Grants     []string `json:"grant_types_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.AuthURL != f.o.URL+"/authorize" || !slices.Equal(meta.Responses, []string{"code"}) ||
		!slices.Equal(meta.Challenges, []string{"S256"}) || !slices.Contains(meta.Grants, "authorization_code") {
		t.Errorf("discovery: %+v", meta)
	}
	f.conf.Endpoint = provider.Endpoint()
	f.conf.Endpoint.AuthStyle = oauth2.AuthStyleInParams // a public client: client_id in the form, no secret

	verifier, state, nonce := oauth2.GenerateVerifier(), "st-"+oauth2.GenerateVerifier()[:8], "n-"+oauth2.GenerateVerifier()[:8]
	code, gotState := f.signIn(t, f.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), "alice", "alice-pw")
	if code == "" || gotState != state {
		t.Fatalf("code %q, state %q (want %q)", code, gotState, state)
	}
	tok, err := f.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if tok.TokenType != "Bearer" || tok.Expiry.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("token type %q, expiry %s", tok.TokenType, tok.Expiry)
	}

	// The ID token, checked as a relying party does (go-oidc, the JWKS).
	rawID, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: "console"}).Verify(ctx, rawID)
	if err != nil {
		t.Fatalf("id token: %v", err)
	}
	var idc struct {
		AZP      string `json:"azp"`
		Username string `json:"preferred_username"`
	}
	if err := idt.Claims(&idc); err != nil {
		t.Fatal(err)
	}
	if idt.Nonce != nonce || idt.Subject != "alice" || idc.AZP != "console" || idc.Username != "alice" || !slices.Equal(idt.Audience, []string{"console"}) {
		t.Errorf("id token: nonce %q sub %q aud %v claims %+v", idt.Nonce, idt.Subject, idt.Audience, idc)
	}

	// The access token, checked as registryd does.
	v, err := auth.NewVerifier(ctx, auth.Config{Issuer: f.o.URL, Audience: "registry"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token: %v", err)
	}
	if p.Subject != "alice" || p.Tenant != "tenant-a" || !slices.Equal(p.Roles, []string{"developer", "admin"}) || p.Claims["azp"] != "console" {
		t.Errorf("principal %+v", p)
	}

	// The code is spent.
	if _, err := f.conf.Exchange(ctx, code, oauth2.VerifierOption(verifier)); !isOAuthError(err, "invalid_grant") {
		t.Errorf("second exchange of the code: %v, want invalid_grant", err)
	}
}

func isOAuthError(err error, code string) bool {
	re, ok := err.(*oauth2.RetrieveError)
	return ok && re.ErrorCode == code && re.Response.StatusCode == http.StatusBadRequest
}

// exchange posts a token request and returns the status and OAuth error.
func exchange(t *testing.T, tokenURL string, form url.Values) (int, string) {
	t.Helper()
	resp, err := http.PostForm(tokenURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK && (body.AccessToken == "" || body.IDToken == "") {
		t.Errorf("200 without tokens")
	}
	return resp.StatusCode, body.Error
}

func TestAuthorizationCodeRefusals(t *testing.T) {
	t.Parallel()
	f := startCodeFlow(t)
	verifier := oauth2.GenerateVerifier()
	authURL := f.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	redeem := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"console"},
			"redirect_uri": {f.callback}, "code_verifier": {verifier}}
	}
	with := func(v url.Values, k, val string) url.Values {
		v.Set(k, val)
		return v
	}
	tests := []struct {
		name       string
		form       func(code string) url.Values
		skew       int64
		wantStatus int
		wantError  string
	}{
		{"wrong verifier", func(c string) url.Values { return with(redeem(c), "code_verifier", oauth2.GenerateVerifier()) }, 0, 400, "invalid_grant"},
		{"no verifier", func(c string) url.Values { return with(redeem(c), "code_verifier", "") }, 0, 400, "invalid_request"},
		{"mismatched redirect_uri", func(c string) url.Values { return with(redeem(c), "redirect_uri", f.callback+"/x") }, 0, 400, "invalid_grant"},
		{"no redirect_uri", func(c string) url.Values { return with(redeem(c), "redirect_uri", "") }, 0, 400, "invalid_grant"},
		{"another client", func(c string) url.Values {
			v := with(redeem(c), "client_id", "web")
			v.Set("client_secret", "web-secret")
			return v
		}, 0, 400, "invalid_grant"},
		{"client without the code grant", func(c string) url.Values {
			v := with(redeem(c), "client_id", "ci")
			v.Set("client_secret", "ci-secret")
			return v
		}, 0, 400, "unauthorized_client"},
		{"unknown client", func(c string) url.Values { return with(redeem(c), "client_id", "nobody") }, 0, 401, "invalid_client"},
		{"unknown code", func(string) url.Values { return redeem("not-a-code") }, 0, 400, "invalid_grant"},
		{"expired code", redeem, 61, 400, "invalid_grant"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { // not parallel: the clock is shared
			code, _ := f.signIn(t, authURL, "bob", "bob-pw")
			f.skew.Store(tc.skew)
			defer f.skew.Store(0)
			if status, e := exchange(t, f.o.TokenURL(), tc.form(code)); status != tc.wantStatus || e != tc.wantError {
				t.Errorf("got %d %q, want %d %q", status, e, tc.wantStatus, tc.wantError)
			}
		})
	}

	t.Run("a refused exchange spends the code", func(t *testing.T) {
		code, _ := f.signIn(t, authURL, "bob", "bob-pw")
		if status, e := exchange(t, f.o.TokenURL(), with(redeem(code), "code_verifier", oauth2.GenerateVerifier())); e != "invalid_grant" {
			t.Fatalf("wrong verifier: %d %q", status, e)
		}
		if status, e := exchange(t, f.o.TokenURL(), redeem(code)); e != "invalid_grant" {
			t.Errorf("right verifier after a wrong one: %d %q, want invalid_grant", status, e)
		}
	})
	t.Run("confidential client needs its secret", func(t *testing.T) {
		web := f.conf
		web.ClientID, web.RedirectURL = "web", strings.Replace(f.callback, "/console/", "/web/", 1)
		f2 := *f
		f2.callback = web.RedirectURL
		code, _ := f2.signIn(t, web.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "bob", "bob-pw")
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "client_id": {"web"},
			"redirect_uri": {web.RedirectURL}, "code_verifier": {verifier}}
		if status, e := exchange(t, f.o.TokenURL(), form); status != 401 || e != "invalid_client" {
			t.Errorf("without secret: %d %q", status, e)
		}
		// A request that is not the client's does not spend its code.
		form.Set("client_secret", "web-secret")
		if status, e := exchange(t, f.o.TokenURL(), form); status != 200 {
			t.Errorf("with secret: %d %q", status, e)
		}
	})
}

func TestAuthorizeRequestRefusals(t *testing.T) {
	t.Parallel()
	f := startCodeFlow(t)
	challenge := oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())
	good := func() url.Values {
		return url.Values{"response_type": {"code"}, "client_id": {"console"}, "redirect_uri": {f.callback},
			"scope": {"openid"}, "state": {"xyz"}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	}
	tests := []struct {
		name      string
		change    func(url.Values)
		wantError string // "" for an error page without redirect
	}{
		{"unregistered redirect URI", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, ""},
		{"redirect URI prefix", func(q url.Values) { q.Set("redirect_uri", f.callback+"/more") }, ""},
		{"redirect URI with a query", func(q url.Values) { q.Set("redirect_uri", f.callback+"?x=1") }, ""},
		{"no redirect URI", func(q url.Values) { q.Del("redirect_uri") }, ""},
		{"unknown client", func(q url.Values) { q.Set("client_id", "nobody") }, ""},
		{"another client's redirect URI", func(q url.Values) { q.Set("client_id", "web") }, ""},
		{"client without the code grant", func(q url.Values) { q.Set("client_id", "ci") }, ""},
		{"repeated parameter", func(q url.Values) { q.Add("redirect_uri", f.callback) }, ""},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"no PKCE", func(q url.Values) { q.Del("code_challenge"); q.Del("code_challenge_method") }, "invalid_request"},
		{"no PKCE method", func(q url.Values) { q.Del("code_challenge_method") }, "invalid_request"},
		{"bad challenge", func(q url.Values) { q.Set("code_challenge", "short") }, "invalid_request"},
		{"no openid scope", func(q url.Values) { q.Set("scope", "profile") }, "invalid_scope"},
		{"implicit flow", func(q url.Values) { q.Set("response_type", "token") }, "unsupported_response_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q := good()
			tc.change(q)
			resp, body := f.get(t, f.o.URL+"/authorize?"+q.Encode())
			if tc.wantError == "" {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
					t.Errorf("%s, Location %q: want 400 and no redirect", resp.Status, resp.Header.Get("Location"))
				}
				if !strings.Contains(body, "Sign-in error") || strings.Contains(body, "<form") {
					t.Errorf("not an error page:\n%s", body)
				}
				return
			}
			loc, err := resp.Location()
			if resp.StatusCode != http.StatusSeeOther || err != nil {
				t.Fatalf("%s: want a redirect with an error", resp.Status)
			}
			if loc.Scheme+"://"+loc.Host+loc.Path != f.callback || loc.Query().Get("error") != tc.wantError ||
				loc.Query().Get("state") != "xyz" || loc.Query().Has("code") {
				t.Errorf("redirect %s, want error=%s&state=xyz", loc, tc.wantError)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	f := startCodeFlow(t)
	authURL := f.conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))

	t.Run("headers", func(t *testing.T) {
		resp, body := f.get(t, authURL)
		csp := resp.Header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("CSP %q lacks %q", csp, d)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q allows script", csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", resp.Header)
		}
		parseLoginPage(t, body) // fails on <script>, <style>, style= and on*=
		css, err := http.Get(f.o.URL + "/login.css")
		if err != nil {
			t.Fatal(err)
		}
		css.Body.Close()
		if css.StatusCode != 200 || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") {
			t.Errorf("stylesheet: %s %s", css.Status, css.Header.Get("Content-Type"))
		}
	})

	t.Run("wrong password and unknown user read the same", func(t *testing.T) {
		fm := f.loginPage(t, authURL)
		r1, wrong := f.submit(t, fm, "alice", "not-her-password")
		r2, unknown := f.submit(t, fm, "mallory", "alice-pw")
		if r1.StatusCode != 200 || r2.StatusCode != 200 {
			t.Fatalf("status %s, %s", r1.Status, r2.Status)
		}
		msg := func(body string) string {
			_, after, _ := strings.Cut(body, `id="login-error">`)
			m, _, _ := strings.Cut(after, "<")
			return m
		}
		if msg(wrong) == "" || msg(wrong) != msg(unknown) {
			t.Errorf("messages differ or are empty: %q vs %q", msg(wrong), msg(unknown))
		}
		if strings.Contains(wrong, "not-her-password") {
			t.Error("the page echoes the password")
		}
		// The re-rendered form still signs in.
		if resp, _ := f.submit(t, parseLoginPage(t, wrong), "alice", "alice-pw"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("retry: %s", resp.Status)
		}
	})

	t.Run("CSRF", func(t *testing.T) {
		fm := f.loginPage(t, authURL)
		// Another browser (no cookie) posting this form: a cross-site post.
		other := *f
		jar, _ := cookiejar.New(nil)
		other.browser = &http.Client{Jar: jar, CheckRedirect: f.browser.CheckRedirect}
		if resp, _ := other.submit(t, fm, "alice", "alice-pw"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("without the cookie: %s, want 403", resp.Status)
		}
		// This browser, with a token for another request.
		fm2 := f.loginPage(t, f.conf.AuthCodeURL("other", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		fm.fields.Set("csrf", fm2.fields.Get("csrf"))
		if resp, _ := f.submit(t, fm, "alice", "alice-pw"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("another request's token: %s, want 403", resp.Status)
		}
		// A forged request field.
		fm2.fields.Set("request", strings.Replace(fm2.fields.Get("request"), "e", "f", 1))
		if resp, _ := f.submit(t, fm2, "alice", "alice-pw"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("forged request: %s, want 400", resp.Status)
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		fm := f.loginPage(t, authURL)
		var last *http.Response
		for range 11 {
			last, _ = f.submit(t, fm, "carol", "wrong")
		}
		if last.StatusCode != http.StatusTooManyRequests {
			t.Errorf("11th failed attempt: %s, want 429", last.Status)
		}
		if resp, _ := f.submit(t, fm, "carol", "carol-pw"); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("right password while limited: %s, want 429", resp.Status)
		}
		f.skew.Store(61)
		defer f.skew.Store(0)
		if resp, _ := f.submit(t, fm, "carol", "carol-pw"); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("a minute later: %s, want 303", resp.Status)
		}
	})
}
