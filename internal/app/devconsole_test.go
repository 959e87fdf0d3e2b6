package app_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// registryd --dev: the dev issuer has the console's public client,
// redirected to the registry's own /console/callback, and a demo user per
// tenant whose printed password signs in on the login page; the code's
// access token is one the REST API accepts, for that user's tenant.
func TestDevIssuerSignsInTheConsole(t *testing.T) {
	t.Parallel()
	r := testkit.StartRegistry(t, func(c *app.Config) {
		c.Dev, c.DevIssuerAddr = true, "127.0.0.1:0"
		c.OIDC.Issuer = "" // the dev issuer is the issuer
	})
	users := r.DevUsers()
	if len(users) != 2 || users[0].Name != "alice" || users[0].Tenant != "tenant-a" || users[1].Tenant != "tenant-b" || users[0].Password == "" {
		t.Fatalf("dev users: %d", len(users))
	}
	st, err := oidcdev.LoadDevState(r.DataDir + "/dev-issuer.json")
	if err != nil || st.Passwords["alice"] != users[0].Password {
		t.Fatalf("dev state keeps alice's password: %v", err)
	}
	conf := oauth2.Config{
		ClientID:    oidcdev.ConsoleClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: r.IssuerURL() + "/authorize", TokenURL: r.IssuerURL() + "/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: r.URL + oidcdev.ConsoleCallbackPath,
		Scopes:      []string{"openid"},
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	field := func(body, name string) string {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no %s field in the login page", name)
		}
		return m[1]
	}
	for _, u := range users {
		verifier := oauth2.GenerateVerifier()
		resp, err := browser.Get(conf.AuthCodeURL("st", oauth2.S256ChallengeOption(verifier)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login page: %s %s", resp.Status, body)
		}
		resp, err = browser.PostForm(r.IssuerURL()+"/authorize", url.Values{
			"request": {field(string(body), "request")}, "csrf": {field(string(body), "csrf")},
			"username": {u.Name}, "password": {u.Password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if resp.StatusCode != http.StatusSeeOther || err != nil {
			t.Fatalf("%s signs in: %s", u.Name, resp.Status)
		}
		tok, err := conf.Exchange(t.Context(), loc.Query().Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatalf("%s's exchange: %v", u.Name, err)
		}
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(tok.AccessToken, claims); err != nil {
			t.Fatal(err)
		}
		if groups, _ := claims["groups"].([]any); claims["sub"] != u.Name || len(groups) != 1 || groups[0] != u.Tenant {
			t.Errorf("%s's token: sub %v groups %v", u.Name, claims["sub"], claims["groups"])
		}
		req, _ := http.NewRequest(http.MethodGet, r.URL+"/registry-api/image-pull/secrets", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s lists her tenant's secrets: %s", u.Name, resp.Status)
		}
	}
}
