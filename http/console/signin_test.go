package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/http/console"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)

	t.Run("no session is sent to sign in", func(t *testing.T) {
		b := newBrowser(t, reg.URL)
		for _, path := range []string{"/console/", "/console/secrets/image-pull", "/console/secrets/fabric"} {
			p := b.get(path)
			if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/console/login" {
				t.Errorf("GET %s without a session: %d Location %q, want 303 to /console/login", path, p.StatusCode, p.Header.Get("Location"))
			}
		}
	})

	t.Run("a form post without a session is refused", func(t *testing.T) {
		b := newBrowser(t, reg.URL)
		p := b.post("/console/secrets/image-pull/create", url.Values{"csrf": {"x"}, "name": {"n"}})
		if p.StatusCode != http.StatusForbidden {
			t.Errorf("POST without a session: %d, want 403", p.StatusCode)
		}
	})

	t.Run("round trip with PKCE and a strict session cookie", func(t *testing.T) {
		b := newBrowser(t, reg.URL)
		tenant := reg.Tenant(t)
		iss.approve("alice@"+tenant, tenant)
		hops := b.follow("/console/secrets/package-registry")
		var toIssuer *url.URL
		var sessionCookie *http.Cookie
		for _, h := range hops {
			if h.Request.URL.Path == "/console/login" {
				toIssuer, _ = url.Parse(h.Header.Get("Location"))
				for _, c := range h.Cookies() {
					if c.Name == "registry_console_login" && (!c.HttpOnly || c.Path != console.Prefix || c.MaxAge <= 0) {
						t.Errorf("sign-in cookie %+v: want HttpOnly, Path %s, short-lived", c, console.Prefix)
					}
				}
			}
			for _, c := range h.Cookies() {
				if c.Name == "registry_console" && c.Value != "" {
					sessionCookie = c
				}
			}
		}
		if toIssuer == nil {
			t.Fatalf("the sign-in never reached /console/login: %v", hops[0].Header)
		}
		q := toIssuer.Query()
		if !strings.HasPrefix(toIssuer.String(), iss.URL+"/authorize?") || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || len(q.Get("state")) < 43 || q.Get("client_id") != "registry-console" ||
			q.Get("response_type") != "code" {
			t.Errorf("authorization request %s: want the issuer's endpoint, code, S256 PKCE, a 256-bit state", toIssuer)
		}
		if sessionCookie == nil {
			t.Fatal("no session cookie was set")
		}
		if !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteStrictMode || sessionCookie.Path != console.Prefix ||
			sessionCookie.Secure || len(sessionCookie.Value) < 43 {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path=%s, not Secure over plain HTTP, 256 random bits", sessionCookie, console.Prefix)
		}
		if strings.Contains(sessionCookie.Value, ".") {
			t.Error("the session cookie looks like a JWT: the token must stay on the server")
		}
		home := b.follow("/console/")
		last := home[len(home)-1]
		if last.StatusCode != http.StatusOK || !strings.Contains(last.body, "alice@"+tenant) || !strings.Contains(last.body, `id="who-tenant"`) {
			t.Fatalf("signed-in page %d:\n%s", last.StatusCode, last.body)
		}
		for _, h := range append(hops, home...) {
			if strings.Contains(h.Request.URL.String(), "eyJ") || strings.Contains(h.Header.Get("Location"), "eyJ") {
				t.Errorf("a token in a URL: %s / %s", h.Request.URL, h.Header.Get("Location"))
			}
		}

		// Sign out: a POST with the form's token; the session is gone.
		out := b.post("/console/logout", url.Values{"csrf": {csrf(t, last)}})
		if out.StatusCode != http.StatusSeeOther || out.Header.Get("Location") != "/console/signed-out" {
			t.Fatalf("logout: %d %q", out.StatusCode, out.Header.Get("Location"))
		}
		if p := b.get("/console/secrets/image-pull"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/console/login" {
			t.Errorf("after logout: %d Location %q, want 303 to sign in", p.StatusCode, p.Header.Get("Location"))
		}
	})

	t.Run("the session ends with its token", func(t *testing.T) {
		iss := startStandInIssuer(t)
		reg := consoleRegistry(t, iss)
		// Long enough for the sign-in itself on a loaded machine (with one
		// second it once expired before the callback was done).
		iss.shortLived(3 * time.Second)
		tenant := reg.Tenant(t)
		b := newBrowser(t, reg.URL)
		home := signIn(t, b, iss, "brief@"+tenant, tenant)
		time.Sleep(3500 * time.Millisecond)
		if p := b.get("/console/secrets/image-pull"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/console/login" {
			t.Errorf("after the token expired: %d Location %q, want 303 to sign in", p.StatusCode, p.Header.Get("Location"))
		}
		if p := b.post("/console/secrets/image-pull/create", url.Values{"csrf": {csrf(t, home)}, "name": {"late"}, "username": {"u"}, "password": {"p"}}); p.StatusCode != http.StatusForbidden {
			t.Errorf("a form after the token expired: %d, want 403", p.StatusCode)
		}
	})

	t.Run("a state other than the one this browser started is refused", func(t *testing.T) {
		tenant := reg.Tenant(t)
		iss.approve("mallory@"+tenant, tenant)
		b := newBrowser(t, reg.URL)
		login := b.get("/console/login")
		authz, _ := url.Parse(login.Header.Get("Location"))
		atIssuer := b.get(authz.String())
		back, _ := url.Parse(atIssuer.Header.Get("Location"))
		code := back.Query().Get("code")
		p := b.get("/console/callback?code=" + url.QueryEscape(code) + "&state=not-the-state")
		if p.StatusCode != http.StatusBadRequest {
			t.Errorf("callback with a wrong state: %d, want 400", p.StatusCode)
		}
		// The sign-in was used up: the right state no longer works either.
		if p := b.get(back.String()); p.StatusCode != http.StatusBadRequest {
			t.Errorf("callback after a refused one: %d, want 400", p.StatusCode)
		}
		// Another browser (no sign-in cookie) with a valid code and state.
		b2 := newBrowser(t, reg.URL)
		login = b.get("/console/login")
		authz, _ = url.Parse(login.Header.Get("Location"))
		back, _ = url.Parse(b.get(authz.String()).Header.Get("Location"))
		if p := b2.get(back.String()); p.StatusCode != http.StatusBadRequest {
			t.Errorf("callback in a browser that started no sign-in: %d, want 400", p.StatusCode)
		}
		if p := b2.get("/console/secrets/image-pull"); p.StatusCode != http.StatusSeeOther {
			t.Errorf("that browser got a session: %d", p.StatusCode)
		}
	})
}
