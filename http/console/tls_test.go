package console_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/http/console"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// Over TLS the session cookie is Secure as well. The console is served on
// its own TLS listener here, over the test registry's real bus and query
// path, with a verifier of the stand-in issuer's tokens.
func TestSessionCookieIsSecureOverTLS(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	verifier, err := auth.NewVerifier(context.Background(), auth.Config{Issuer: iss.URL, Audience: testkit.Audience})
	if err != nil {
		t.Fatal(err)
	}
	c, err := console.New(console.Deps{Bus: reg.Bus(), Queries: reg.Southbound(), Verifier: verifier,
		Issuer: iss.URL, ClientID: "registry-console", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(console.Mount(http.NotFoundHandler(), c))
	t.Cleanup(ts.Close)

	b := newBrowser(t, ts.URL)
	b.c.Transport = ts.Client().Transport
	tenant := reg.Tenant(t)
	iss.approve("tls@"+tenant, tenant)
	var session *http.Cookie
	for _, h := range b.follow("/console/") {
		for _, ck := range h.Cookies() {
			if ck.Name == "registry_console" && ck.Value != "" {
				session = ck
			}
			if strings.HasPrefix(ck.Name, "registry_console") && ck.MaxAge >= 0 && !ck.Secure {
				t.Errorf("cookie %s over TLS is not Secure", ck.Name)
			}
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie over TLS: %+v, want Secure, HttpOnly, SameSite=Strict", session)
	}
	if p := b.get("/console/secrets/fabric"); p.StatusCode != http.StatusOK || !strings.Contains(p.body, "tls@"+tenant) {
		t.Errorf("signed-in page over TLS: %d", p.StatusCode)
	}
}
