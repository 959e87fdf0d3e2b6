package browser_test

import (
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/http/console"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// consoleSetup is a registry with the console on, trusting an issuer with
// the console's public PKCE client and two users of two tenants, as
// registryd --dev has them.
type consoleSetup struct {
	reg                  *testkit.Registry
	oidc                 *testkit.OIDC
	alice, bob           user
	tenantA, tenantB     string
	host                 string
	secretName, password string
}

type user struct{ name, password, tenant string }

func startConsole(t *testing.T) *consoleSetup {
	t.Helper()
	// The demo's names (each test has a registry of its own): the
	// screenshots go into the README.
	s := &consoleSetup{tenantA: "tenant-a", tenantB: "tenant-b"}
	s.alice = user{"alice", "alice-" + testkit.RandomTenant(t), s.tenantA}
	s.bob = user{"bob", "bob-" + testkit.RandomTenant(t), s.tenantB}
	s.oidc = testkit.StartOIDCWith(t, oidcdev.Options{Audience: testkit.Audience, Users: map[string]oidcdev.UserSpec{
		s.alice.name: {Password: s.alice.password, Groups: []string{s.tenantA}, Roles: []string{"admin", "developer"}},
		s.bob.name:   {Password: s.bob.password, Groups: []string{s.tenantB}, Roles: []string{"developer"}},
	}})
	s.reg = testkit.StartRegistry(t, func(c *app.Config) {
		c.OIDC = auth.Config{Issuer: s.oidc.URL, Audience: testkit.Audience}
		c.Console.Enabled = true
	})
	if err := s.oidc.AddClient(oidcdev.ConsoleClientID, oidcdev.ClientSpec{Public: true, RedirectURIs: []string{s.reg.URL + oidcdev.ConsoleCallbackPath}}); err != nil {
		t.Fatal(err)
	}
	s.secretName = "team-pull"
	s.password = "pw-" + testkit.RandomTenant(t)[3:]
	// A virtual host without servers yet.
	s.host = "shop.tenant-a.example.com"
	if resp := testkit.Do(t, http.MethodPost, s.reg.URL+"/registry/v1/virtualHost", s.token(t, s.alice),
		[]byte(`{"virtualHost":{"name":"`+s.host+`"}}`)); resp.Status != http.StatusOK {
		t.Fatalf("create virtual host: %d %s", resp.Status, resp.Body)
	}
	return s
}

// token is a bearer token of u from the same issuer.
func (s *consoleSetup) token(t *testing.T, u user) string {
	t.Helper()
	return s.oidc.Token(t, u.name, []string{u.tenant}, "developer")
}

// TestConsoleInChromium signs in to the console through the issuer's
// login page in a real browser and uses it as an operator does.
func TestConsoleInChromium(t *testing.T) {
	s := startConsole(t)
	res := run(t, "console", map[string]string{
		"REGISTRY_URL":     s.reg.URL,
		"CONSOLE_USER":     s.alice.name,
		"CONSOLE_PASSWORD": s.alice.password,
		"SECRET_NAME":      s.secretName,
		"SECRET_PASSWORD":  s.password,
		"VHOST":            s.host,
		"HEARTBEAT_TOKEN":  s.token(t, s.alice),
	})
	t.Logf("Chromium %s, %d ms, screenshots %v", res.Browser, res.DurationMS, res.Screenshots)
	// The README's pictures (docs/console-*.png) are these, 1000×700.
	for _, shot := range res.Screenshots {
		f, err := os.Open(filepath.Join(res.Dir, shot))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != 1000 || cfg.Height != 700 {
			t.Errorf("screenshot %s: %dx%d (%v), want 1000x700", shot, cfg.Width, cfg.Height, err)
		}
	}
	if !slices.Equal(res.Screenshots, []string{"console-secrets.png", "console-vhosts.png"}) {
		t.Errorf("screenshots %v", res.Screenshots)
	}

	t.Run("sign-in through the issuer's login page", func(t *testing.T) {
		var got struct{ LoginURL, Landed, Subject, Tenant string }
		res.fact(t, "signIn", &got)
		login, err := url.Parse(got.LoginURL)
		if err != nil || !strings.HasPrefix(got.LoginURL, s.oidc.URL+"/") {
			t.Fatalf("the console sent the browser to %q, want the issuer %s", got.LoginURL, s.oidc.URL)
		}
		q := login.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("client_id") != oidcdev.ConsoleClientID ||
			q.Get("redirect_uri") != s.reg.URL+oidcdev.ConsoleCallbackPath || q.Get("response_type") != "code" {
			t.Errorf("authorization request %s: want the code grant with PKCE S256 for %s", got.LoginURL, oidcdev.ConsoleClientID)
		}
		if !strings.HasPrefix(got.Landed, s.reg.URL+"/console/") || got.Subject != s.alice.name || got.Tenant != s.tenantA {
			t.Errorf("after sign-in: on %s as %q of %q", got.Landed, got.Subject, got.Tenant)
		}
		type cookie struct {
			Name, Path, SameSite string
			HTTPOnly             bool `json:"httpOnly"`
			Secure               bool
		}
		var cookies []cookie
		res.fact(t, "cookies", &cookies)
		i := slices.IndexFunc(cookies, func(c cookie) bool { return c.Name == "registry_console" })
		if i < 0 {
			t.Fatalf("no session cookie registry_console: %+v", cookies)
		}
		if c := cookies[i]; !c.HTTPOnly || c.SameSite != "Strict" || c.Path != "/console/" {
			t.Errorf("session cookie %+v: want HttpOnly, SameSite=Strict, Path /console/", c)
		}
	})

	t.Run("a secret's value shows only on its reveal", func(t *testing.T) {
		var created struct {
			URL           string
			Rows          []string
			Version       string
			ValueInPage   bool
			RevealedShown bool
		}
		res.fact(t, "created", &created)
		if !slices.Contains(created.Rows, s.secretName) || created.Version != "1" || created.ValueInPage || created.RevealedShown {
			t.Errorf("after create (%s): rows %v, version %q, value in the page %v, revealed %v", created.URL, created.Rows, created.Version, created.ValueInPage, created.RevealedShown)
		}
		var revealed struct{ URL, Username, Password, Version string }
		res.fact(t, "revealed", &revealed)
		if revealed.Username != "console-user" || revealed.Password != s.password || revealed.Version != "1" {
			t.Errorf("revealed: %q, the password shown %v, version %q", revealed.Username, revealed.Password == s.password, revealed.Version)
		}
		var requests []struct{ URL, Method, ResourceType string }
		res.fact(t, "requests", &requests)
		for _, r := range requests {
			if u, _ := url.QueryUnescape(r.URL); strings.Contains(u, s.password) || strings.Contains(r.URL, s.password) {
				t.Errorf("the secret's value in a URL the browser requested: %s %s", r.Method, r.URL)
			}
		}
		if len(requests) < 10 {
			t.Errorf("only %d requests recorded", len(requests))
		}
	})

	t.Run("the audit page shows the reveal", func(t *testing.T) {
		var audit struct {
			Rows []struct {
				Index, Type, Text string
			}
			ValueInPage bool
		}
		res.fact(t, "audit", &audit)
		found := false
		for _, r := range audit.Rows {
			found = found || r.Type == events.ImagePullSecretRead && strings.Contains(r.Text, s.secretName) && r.Index != ""
		}
		if !found || audit.ValueInPage {
			t.Errorf("audit page: %s record of %s found %v, value in the page %v; rows %+v", events.ImagePullSecretRead, s.secretName, found, audit.ValueInPage, audit.Rows)
		}
	})

	t.Run("a heartbeat appears live", func(t *testing.T) {
		var hb struct {
			Status, ServersBefore int
			AppearedAfterMs       int
			SameDocument          bool
			State                 string
		}
		res.fact(t, "heartbeat", &hb)
		if hb.Status != http.StatusOK || hb.ServersBefore != 0 || !hb.SameDocument || hb.State != "alive" {
			t.Errorf("heartbeat: %+v, want 200, no server before, then alive in the same document", hb)
		}
		t.Logf("the heartbeat showed after %d ms", hb.AppearedAfterMs)
	})

	t.Run("a cross-origin form post is refused", func(t *testing.T) {
		var csrf struct {
			Status               int
			RowsAfter            []string
			SameOriginWrongToken int
			RowsAfterWrongToken  []string
		}
		res.fact(t, "csrf", &csrf)
		if csrf.Status != http.StatusForbidden || !slices.Contains(csrf.RowsAfter, s.secretName) {
			t.Errorf("CSRF delete from another origin: %d, rows after %v; want 403 and the secret kept", csrf.Status, csrf.RowsAfter)
		}
		if csrf.SameOriginWrongToken != http.StatusForbidden || !slices.Contains(csrf.RowsAfterWrongToken, s.secretName) {
			t.Errorf("delete with a wrong token from the console's page: %d, rows after %v; want 403 and the secret kept", csrf.SameOriginWrongToken, csrf.RowsAfterWrongToken)
		}
	})

	t.Run("another tenant sees none of it", func(t *testing.T) {
		other := run(t, "console-other-tenant", map[string]string{
			"REGISTRY_URL":     s.reg.URL,
			"CONSOLE_USER":     s.bob.name,
			"CONSOLE_PASSWORD": s.bob.password,
			"SECRET_NAME":      s.secretName,
		})
		var signedIn struct{ Subject, Tenant string }
		if other.fact(t, "signIn", &signedIn); signedIn.Subject != s.bob.name || signedIn.Tenant != s.tenantB {
			t.Fatalf("signed in as %q of %q, want bob of %s", signedIn.Subject, signedIn.Tenant, s.tenantB)
		}
		// Nothing of alice's tenant: no secret, no value, no audit record.
		leaks := func(where, text string) {
			t.Helper()
			for _, bad := range []string{s.password, s.tenantA, "alice"} {
				if strings.Contains(text, bad) {
					t.Errorf("bob's %s shows %q:\n%s", where, bad, text)
				}
			}
		}
		var secrets map[string]struct {
			Rows []string
			Text string
		}
		other.fact(t, "secrets", &secrets)
		if len(secrets) != 3 {
			t.Errorf("secrets pages: %d, want 3", len(secrets))
		}
		for scope, p := range secrets {
			if len(p.Rows) != 0 || strings.Contains(p.Text, s.secretName) {
				t.Errorf("bob's %s secrets: %v", scope, p.Rows)
			}
			leaks(scope+" secrets page", p.Text)
		}
		var reveal struct {
			Status   int
			Revealed bool
			Text     string
		}
		other.fact(t, "reveal", &reveal)
		if reveal.Status != http.StatusNotFound || reveal.Revealed {
			t.Errorf("bob reveals alice's secret by name: %d, revealed %v:\n%s", reveal.Status, reveal.Revealed, reveal.Text)
		}
		leaks("reveal answer", reveal.Text)
		var audit struct {
			Status int
			Rows   []struct{ Index, Type, Text string }
			Text   string
		}
		// bob is a developer: the audit page, a tenant admin's, refuses him.
		if other.fact(t, "audit", &audit); audit.Status != http.StatusForbidden || len(audit.Rows) != 0 {
			t.Errorf("bob's audit page: %d with %d records, want 403", audit.Status, len(audit.Rows))
		}
		leaks("audit page", audit.Text)
		// Its refusals (404, 403) carry the console's CSP too.
		if seen := checkConsoleCSP(t, other, s.reg.URL); seen < 8 {
			t.Errorf("the browser saw %d console answers, want at least 8", seen)
		}
		for _, r := range audit.Rows {
			if r.Type == events.ImagePullSecretRead && strings.Contains(r.Text, s.alice.name) {
				t.Errorf("bob's audit page shows alice's reveal: %+v", r)
			}
		}
	})

	t.Run("strict CSP on every console answer, no third-party origin", func(t *testing.T) {
		allowed := map[string]bool{origin(s.reg.URL): true, origin(s.oidc.URL): true}
		var requests []struct{ URL, Method, ResourceType string }
		res.fact(t, "requests", &requests)
		for _, r := range requests {
			o := origin(r.URL)
			if !allowed[o] && !strings.HasPrefix(o, "http://127.0.0.1:") {
				t.Errorf("a request to a third-party origin: %s %s", r.Method, r.URL)
			}
		}
		if seen := checkConsoleCSP(t, res, s.reg.URL); seen < 10 {
			t.Errorf("the browser saw %d console answers, want at least 10", seen)
		}
		for _, m := range res.Console {
			if strings.Contains(m.Text, "Content Security Policy") {
				t.Errorf("Chromium reported a CSP violation on %s: %s", m.URL, m.Text)
			}
		}
		if len(res.PageErrors) > 0 {
			t.Errorf("page errors: %v", res.PageErrors)
		}
	})
}

// checkConsoleCSP checks the console's CSP on every console answer res
// received and returns how many there were.
func checkConsoleCSP(t *testing.T, res *result, registry string) int {
	t.Helper()
	seen := 0
	for _, r := range res.Responses {
		if !strings.HasPrefix(r.URL, registry+"/console/") {
			continue
		}
		seen++
		if got := r.Headers["content-security-policy"]; got != console.ContentSecurityPolicy {
			t.Errorf("%s %s (%d): CSP %q, want %q", r.Method, r.URL, r.Status, got, console.ContentSecurityPolicy)
		}
	}
	return seen
}

// origin is u's scheme://host[:port].
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	return p.Scheme + "://" + p.Host
}
