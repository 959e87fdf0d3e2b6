// Package console is the operator console at /console/: server-rendered
// pages (html/template, embedded) over the same queries and commands as the
// REST API, for a browser signed in with the OIDC authorization-code grant.
// The browser holds only a session cookie; the access token stays here and
// is verified and authorized on every request exactly as a REST bearer
// token is (auth.Authenticator, authz.Authorizer).
package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// Prefix is where the console is served.
const Prefix = "/console/"

// Sender sends a command or a query and returns its reply (the bus, the
// query dispatcher).
type Sender interface {
	Send(ctx context.Context, cmd any, env bus.Envelope) (bus.Reply, error)
}

// Deps are the console's collaborators and settings.
type Deps struct {
	// Bus takes the commands (changes); Queries answers reads and lists,
	// audited as REST's are.
	Bus, Queries Sender
	// Verifier verifies access tokens: the REST API's.
	Verifier auth.TokenVerifier
	// Authz and Roles are the REST API's authorization options.
	Authz authz.Config
	Roles authz.RoleMappings
	// Issuer is the OIDC issuer (REGISTRY_OIDC_ISSUER); its discovery
	// document gives the authorization and token endpoints.
	Issuer string
	// ClientID is the console's client at the issuer; ClientSecret is set
	// for a confidential client only (PKCE protects a public one).
	ClientID, ClientSecret string
	// HTTPClient reaches the issuer; default http.DefaultClient.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Sync, when set, returns once the projections applied every event
	// committed so far: a role mapping's change waits for it, as on REST.
	Sync func(context.Context) error
	// LogLevels, when set, serves the platform admin's log-level page;
	// Instance names this instance there.
	LogLevels LogLevels
	Instance  string
	// TokenService and Gatherer, when set, serve the platform admin's
	// token-service page (plans, issued and rejected counts).
	TokenService TokenService
	Gatherer     prometheus.Gatherer
	// VirtualHosts, when set, serves the virtual-host pages.
	VirtualHosts VirtualHosts
	// Policy is the operator's authorization policy, asked after Authz as
	// on REST; nil: none.
	Policy *policy.Engine
	// MaxSessions bounds the sessions (and the sign-ins under way) kept in
	// memory. Default 10000.
	MaxSessions int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Console serves /console/.
type Console struct {
	deps     Deps
	authn    *auth.Authenticator
	authz    *authz.Authorizer
	sessions *sessions
	mux      *http.ServeMux

	endpointsMu sync.Mutex
	endpoints   *endpoints // discovered on the first sign-in
}

// New builds the console.
func New(deps Deps) (*Console, error) {
	if deps.Bus == nil || deps.Queries == nil || deps.Verifier == nil || deps.Logger == nil || deps.Issuer == "" || deps.ClientID == "" {
		return nil, errors.New("console: Bus, Queries, Verifier, Logger, Issuer and ClientID are required")
	}
	if deps.HTTPClient == nil {
		deps.HTTPClient = http.DefaultClient
	}
	if deps.MaxSessions <= 0 {
		deps.MaxSessions = 10000
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	authn, err := auth.NewAuthenticator(deps.Verifier, auth.Options{})
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	az, err := authz.NewAuthorizer(deps.Authz, deps.Roles)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{deps: deps, authn: authn, authz: az, sessions: newSessions(deps.MaxSessions, deps.Now), mux: http.NewServeMux()}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	m := c.mux
	m.Handle("GET /console/static/", staticFiles())
	m.HandleFunc("GET /console/login", c.login)
	m.HandleFunc("GET /console/callback", c.callback)
	m.HandleFunc("GET /console/signed-out", c.signedOut)
	m.HandleFunc("POST /console/logout", c.posted(c.logout))
	m.HandleFunc("GET /console/{$}", c.page(authz.Read, func(w http.ResponseWriter, r *http.Request, v *visit) {
		http.Redirect(w, r, "/console/secrets/"+scopes[0].Path, http.StatusSeeOther)
	}))
	m.HandleFunc("GET /console/secrets/{scope}", c.page(authz.Read, c.listSecrets))
	m.HandleFunc("POST /console/secrets/{scope}/create", c.posted(c.page(authz.Write, c.createSecret)))
	m.HandleFunc("POST /console/secrets/{scope}/update", c.posted(c.page(authz.Write, c.updateSecret)))
	m.HandleFunc("POST /console/secrets/{scope}/delete", c.posted(c.page(authz.Write, c.deleteSecret)))
	// A reveal reads: it is authorized and audited as a GET of the secret,
	// but is a POST so that no value follows a link or lands in history.
	m.HandleFunc("POST /console/secrets/{scope}/reveal", c.posted(c.page(authz.Read, c.revealSecret)))
	m.HandleFunc("GET /console/kubeconfigs", c.page(authz.Read, c.listKubeconfigs))
	m.HandleFunc("GET /console/audit", c.page(authz.Read, c.audit))
	m.HandleFunc("GET /console/admin/roles", c.page(authz.Read, c.listRoleMappings))
	m.HandleFunc("POST /console/admin/roles", c.posted(c.page(authz.Write, c.changeRoleMapping)))
	if c.deps.LogLevels != nil {
		m.HandleFunc("GET /console/admin/logs", c.page(authz.Read, c.showLogLevel))
		m.HandleFunc("POST /console/admin/logs", c.posted(c.page(authz.Write, c.setLogLevel)))
	}
	if c.deps.TokenService != nil && c.deps.Gatherer != nil {
		m.HandleFunc("GET /console/admin/tokens", c.page(authz.Read, c.showTokens))
	}
	if c.deps.VirtualHosts != nil {
		m.HandleFunc("GET /console/hosts", c.page(authz.Read, c.listHosts))
		m.HandleFunc("GET /console/hosts/{name}", c.page(authz.Read, c.showHost))
		m.HandleFunc("GET /console/hosts/{name}/servers", c.page(authz.Read, c.hostServers))
		m.HandleFunc("GET /console/hosts/{name}/cert", c.page(authz.Read, c.hostCert))
	}
	m.HandleFunc("POST /console/kubeconfigs/token", c.posted(c.page(authz.Write, c.issueTerminalToken)))
}

// ServeHTTP serves the console. Every answer is uncached (pages hold
// tenant data, a reveal a secret), framed by no one, and under the
// console's own CSP.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// same-origin, not no-referrer: under no-referrer Chromium sends
	// "Origin: null" with the console's own form posts, which posted
	// then refuses as another site's.
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// ContentSecurityPolicy is the console pages' policy: their own scripts,
// styles and images only, fetches to this origin (a host page's polling), no inline script or style, forms posting here
// only, never framed.
const ContentSecurityPolicy = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Mount serves the console under Prefix and everything else with next.
func Mount(next http.Handler, c *Console) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/console" {
			http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
			return
		}
		if strings.HasPrefix(r.URL.Path, Prefix) {
			c.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// visit is one request of a signed-in caller.
type visit struct {
	sessionID string
	session   session
	principal auth.Principal
}

type pageHandler func(w http.ResponseWriter, r *http.Request, v *visit)

// page runs h for the request's session, its access token verified and
// authorized for access as a REST request's would be. Without a session a
// GET is sent to sign in; a refused token ends the session.
func (c *Console) page(access authz.Access, h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := c.visitOf(r)
		if !ok {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/console/login", http.StatusSeeOther)
				return
			}
			c.renderError(w, r, nil, http.StatusUnauthorized, "Your session has ended: sign in again.")
			return
		}
		p, err := c.authn.Authenticate(r.Context(), []string{"Bearer " + v.session.token})
		if err == nil {
			p, err = c.authz.Authorize(r.Context(), p, access)
		}
		if err == nil {
			err = c.checkPolicy(r, p, access)
		}
		if err != nil {
			if errors.Is(err, handlers.ErrUnauthenticated) {
				// The token no longer verifies (expired, its key gone):
				// the session ends, and a page view signs in again.
				c.sessions.end(v.sessionID)
				if r.Method == http.MethodGet {
					http.Redirect(w, r, "/console/login", http.StatusSeeOther)
					return
				}
			}
			c.renderFailure(w, r, v, err)
			return
		}
		v.principal = p
		h(w, r, v)
	}
}

// visitOf finds the request's live session.
func (c *Console) visitOf(r *http.Request) (*visit, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return nil, false
	}
	sess, ok := c.sessions.get(ck.Value)
	if !ok {
		return nil, false
	}
	return &visit{sessionID: ck.Value, session: sess}, true
}

// envelope is a console request's: the caller's tenant and a fresh
// correlation id.
func envelope(p auth.Principal) bus.Envelope {
	return bus.Envelope{Tenant: p.Tenant, CorrelationID: uuid.NewString()}
}

// ask sends q to to for the visit's caller and returns the reply's data.
func (c *Console) ask(ctx context.Context, to Sender, v *visit, op string, q any) ([]byte, error) {
	env := envelope(v.principal)
	reply, err := to.Send(ctx, q, env)
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return reply.Data, nil
}
