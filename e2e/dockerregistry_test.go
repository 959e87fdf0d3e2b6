package e2e_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/sirupsen/logrus"

	// The distribution registry's token access controller and in-memory
	// storage driver register themselves by name.
	_ "github.com/distribution/distribution/v3/registry/auth/token"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"

	"github.com/hypo-registry/registry/handlers/registrytoken"
	service "github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// The registry's service name (its auth.token.service, the aud of its
// tokens), the plans of the catalogue, and the revoked licence.
const (
	registryService = "e2e-distribution"
	planPush        = "tenant-a-push"
	planPull        = "tenant-a-pull"
	revokedLicense  = "lic-revoked"
	// jwksFile is where registryd writes the token signer's public JWKS
	// in its data directory (service/wiring_dockertoken.go).
	jwksFile = "registry-token.jwks.json"
)

// stack is registryd with its token service on, and a distribution
// registry trusting that service's tokens.
type stack struct {
	reg      *testkit.Registry
	registry string // host:port of the distribution registry
	realm    string // host:port of its token realm, registryd
}

// startStack starts registryd (token service on, plans for tenant-a), then
// a distribution registry whose auth.token points at registryd's /token.
func startStack(t *testing.T, alg string) *stack {
	t.Helper()
	reg := testkit.StartRegistry(t, func(c *service.Config) {
		c.RegistryToken = registrytoken.Config{
			Enabled:         true,
			AllowedServices: []string{registryService},
			Lifetime:        time.Minute,
			Plans: []registrytoken.Plan{
				{Name: planPush, Repositories: []registrytoken.Rule{{Pattern: "tenant-a/*", Actions: []string{"pull", "push"}}}},
				{Name: planPull, Repositories: []registrytoken.Rule{{Pattern: "tenant-a/*", Actions: []string{"pull"}}}},
			},
			RevokedLicenses: []string{revokedLicense},
			Signing:         registrytoken.SigningConfig{Algorithm: alg},
		}
	})
	u, err := url.Parse(reg.URL)
	if err != nil {
		t.Fatal(err)
	}
	// go-containerregistry refuses a realm on a loopback IP literal other
	// than the registry's own host:port; a host name is accepted.
	realm := "localhost:" + u.Port()
	registry := startDistribution(t, "http://"+realm+"/token", filepath.Join(reg.DataDir, jwksFile), alg)
	return &stack{reg: reg, registry: registry, realm: realm}
}

// startDistribution runs the CNCF distribution registry in-process on
// loopback: in-memory storage, token auth with realm, the service name and
// the issuer of registryd's tokens, and the token signer's JWKS.
func startDistribution(t *testing.T, realm, jwks, alg string) string {
	t.Helper()
	quietLogs(t)
	cfg := &configuration.Configuration{
		Storage: configuration.Storage{
			"inmemory":    configuration.Parameters{},
			"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
		},
		Auth: configuration.Auth{"token": configuration.Parameters{
			"realm":             realm,
			"service":           registryService,
			"issuer":            registrytoken.DefaultIssuer,
			"jwks":              jwks,
			"signingalgorithms": []any{alg},
		}},
	}
	cfg.HTTP.Secret = "e2e-upload-state-secret"
	ctx, cancel := context.WithCancel(context.Background())
	app := handlers.NewApp(ctx, cfg)
	srv := httptest.NewServer(app)
	t.Cleanup(func() {
		srv.Close()
		_ = app.Shutdown()
		cancel()
	})
	return strings.TrimPrefix(srv.URL, "http://")
}

// quietLogs sends distribution's logs (logrus' standard logger: every
// request at info, every 404 of a push's existence checks at error) to the
// test's log, warnings and worse only, until the test ends.
func quietLogs(t *testing.T) {
	std := logrus.StandardLogger()
	level, out := std.GetLevel(), std.Out
	std.SetLevel(logrus.WarnLevel)
	std.SetOutput(testWriter{t})
	t.Cleanup(func() {
		std.SetOutput(out)
		std.SetLevel(level)
	})
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// login is the caller's registry login as docker and crane send it: HTTP
// Basic, any user name, the password a JWT from the OIDC issuer carrying
// plan and licence claims (omitted when empty).
func (s *stack) login(t *testing.T, plan, license string) authn.Authenticator {
	t.Helper()
	extra := map[string]any{}
	if plan != "" {
		extra[registrytoken.DefaultPlanClaim] = plan
	}
	if license != "" {
		extra[registrytoken.DefaultLicenseClaim] = license
	}
	jwt, err := s.reg.OIDC.Mint(oidcdev.Claims{Subject: "ci@tenant-a", Groups: []string{"tenant-a"}, Extra: extra})
	if err != nil {
		t.Fatal(err)
	}
	return &authn.Basic{Username: "ci", Password: jwt}
}

// refreshToken asks the token service for a refresh token as docker login
// does: GET /token?offline_token=true with the Basic login.
func (s *stack) refreshToken(ctx context.Context, t *testing.T, plan string) string {
	t.Helper()
	login := s.login(t, plan, "")
	cfg, err := login.Authorization()
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"service": {registryService}, "offline_token": {"true"}, "client_id": {"e2e"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.realm+"/token?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(cfg.Username, cfg.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK || body.RefreshToken == "" {
		t.Fatalf("refresh token: HTTP %d, %v, refresh_token %q", resp.StatusCode, err, body.RefreshToken)
	}
	return body.RefreshToken
}

func (s *stack) ref(t *testing.T, repo string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s.registry+"/"+repo, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func opts(ctx context.Context, a authn.Authenticator) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuth(a)}
}

// push writes a random image to repo.
func (s *stack) push(ctx context.Context, t *testing.T, a authn.Authenticator, repo string) (v1.Image, error) {
	t.Helper()
	img, err := random.Image(512, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img, remote.Write(s.ref(t, repo), img, opts(ctx, a)...)
}

// pullDigest pulls repo's manifest and every layer, and returns its digest.
func (s *stack) pullDigest(ctx context.Context, t *testing.T, a authn.Authenticator, repo string) (v1.Hash, error) {
	t.Helper()
	img, err := remote.Image(s.ref(t, repo), opts(ctx, a)...)
	if err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, l := range layers {
		// Reading a layer through fetches the blob and checks its digest.
		rc, err := l.Compressed()
		if err != nil {
			return v1.Hash{}, err
		}
		_, err = io.Copy(io.Discard, rc)
		_ = rc.Close()
		if err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

func digestOf(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// refusedBy fails unless err is an HTTP error with one of the statuses
// answered by host: the registry (s.registry) or its token realm
// (s.realm).
func refusedBy(t *testing.T, what string, err error, host string, statuses ...int) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: succeeded, want HTTP %v from %s", what, statuses, host)
	}
	var terr *transport.Error
	if !errors.As(err, &terr) {
		t.Fatalf("%s: %v (%T), want a transport error with HTTP %v from %s", what, err, err, statuses, host)
	}
	if terr.Request == nil || terr.Request.URL.Host != host {
		t.Fatalf("%s: %v, want it answered by %s", what, err, host)
	}
	for _, s := range statuses {
		if terr.StatusCode == s {
			t.Logf("%s: refused as expected: %v", what, err)
			return
		}
	}
	t.Fatalf("%s: HTTP %d (%v), want %v", what, terr.StatusCode, err, statuses)
}

// TestDockerRegistryTokenAuth is issue 6: a real distribution registry
// with token auth pointing at registryd, and a real client pushing and
// pulling through it, for each signing algorithm.
func TestDockerRegistryTokenAuth(t *testing.T) {
	for _, alg := range []string{registrytoken.AlgRS256, registrytoken.AlgES256} {
		t.Run(alg, func(t *testing.T) { testDockerRegistryTokenAuth(t, alg) })
	}
}

func testDockerRegistryTokenAuth(t *testing.T, alg string) {
	s := startStack(t, alg)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pusher := s.login(t, planPush, "lic-ok")
	puller := s.login(t, planPull, "")

	// The push plan pushes, and pulls back the same image.
	img, err := s.push(ctx, t, pusher, "tenant-a/app:v1")
	if err != nil {
		t.Fatalf("push with plan %s: %v", planPush, err)
	}
	want := digestOf(t, img)
	got, err := s.pullDigest(ctx, t, pusher, "tenant-a/app:v1")
	if err != nil {
		t.Fatalf("pull with plan %s: %v", planPush, err)
	}
	if got != want {
		t.Fatalf("pulled digest %s, pushed %s", got, want)
	}

	t.Run("push plan outside its repositories", func(t *testing.T) {
		// The token carries no action on tenant-b/app: the registry refuses.
		_, err := s.push(ctx, t, pusher, "tenant-b/app:v1")
		refusedBy(t, "push to tenant-b/app", err, s.registry, http.StatusUnauthorized, http.StatusForbidden)
		_, err = s.pullDigest(ctx, t, pusher, "tenant-a/nested/app:v1")
		refusedBy(t, "pull of tenant-a/nested/app", err, s.registry, http.StatusUnauthorized, http.StatusForbidden)
	})

	t.Run("pull-only plan", func(t *testing.T) {
		// A partial grant: the token carries pull only, and the registry
		// refuses the upload.
		_, err := s.push(ctx, t, puller, "tenant-a/other:v1")
		refusedBy(t, "push with plan "+planPull, err, s.registry, http.StatusUnauthorized, http.StatusForbidden)
		_, err = s.push(ctx, t, puller, "tenant-a/app:v2")
		refusedBy(t, "push of a new tag to an existing repository with plan "+planPull, err, s.registry, http.StatusUnauthorized, http.StatusForbidden)
		got, err := s.pullDigest(ctx, t, puller, "tenant-a/app:v1")
		if err != nil {
			t.Fatalf("pull with plan %s: %v", planPull, err)
		}
		if got != want {
			t.Fatalf("pulled digest %s, pushed %s", got, want)
		}
	})

	t.Run("identity token", func(t *testing.T) {
		// docker login keeps a refresh token (offline_token=true) as its
		// identity token; the client then asks with grant_type=refresh_token.
		rt := s.refreshToken(ctx, t, planPull)
		idtok := authn.FromConfig(authn.AuthConfig{IdentityToken: rt})
		got, err := s.pullDigest(ctx, t, idtok, "tenant-a/app:v1")
		if err != nil {
			t.Fatalf("pull with an identity token: %v", err)
		}
		if got != want {
			t.Fatalf("pulled digest %s, pushed %s", got, want)
		}
		_, err = s.push(ctx, t, idtok, "tenant-a/app:v4")
		refusedBy(t, "push with an identity token of plan "+planPull, err, s.registry, http.StatusUnauthorized, http.StatusForbidden)
		_, err = s.pullDigest(ctx, t, authn.FromConfig(authn.AuthConfig{IdentityToken: "not-a-refresh-token"}), "tenant-a/app:v1")
		refusedBy(t, "pull with an unknown identity token", err, s.realm, http.StatusUnauthorized)
	})

	t.Run("revoked licence", func(t *testing.T) {
		revoked := s.login(t, planPush, revokedLicense)
		_, err := s.pullDigest(ctx, t, revoked, "tenant-a/app:v1")
		refusedBy(t, "pull with a revoked licence", err, s.realm, http.StatusForbidden)
		_, err = s.push(ctx, t, revoked, "tenant-a/app:v3")
		refusedBy(t, "push with a revoked licence", err, s.realm, http.StatusForbidden)
	})

	t.Run("unknown plan", func(t *testing.T) {
		_, err := s.pullDigest(ctx, t, s.login(t, "gold", ""), "tenant-a/app:v1")
		refusedBy(t, "pull with an unknown plan", err, s.realm, http.StatusForbidden)
	})

	t.Run("expired JWT", func(t *testing.T) {
		old := time.Now().Add(-2 * time.Hour)
		jwt, err := s.reg.OIDC.Mint(oidcdev.Claims{Subject: "ci@tenant-a", Groups: []string{"tenant-a"}, IssuedAt: old, NotBefore: old,
			TTL: time.Hour, Extra: map[string]any{registrytoken.DefaultPlanClaim: planPush}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.pullDigest(ctx, t, &authn.Basic{Username: "ci", Password: jwt}, "tenant-a/app:v1")
		refusedBy(t, "pull with an expired JWT", err, s.realm, http.StatusUnauthorized)
	})

	t.Run("garbage JWT", func(t *testing.T) {
		_, err := s.pullDigest(ctx, t, &authn.Basic{Username: "ci", Password: "not-a-jwt"}, "tenant-a/app:v1")
		refusedBy(t, "pull with a garbage password", err, s.realm, http.StatusUnauthorized)
	})

	t.Run("no credentials", func(t *testing.T) {
		_, err := s.pullDigest(ctx, t, authn.Anonymous, "tenant-a/app:v1")
		refusedBy(t, "anonymous pull", err, s.realm, http.StatusUnauthorized)
	})

	t.Run("OIDC JWT sent to the registry as its bearer token", func(t *testing.T) {
		// The registry trusts only the token service's key: a valid OIDC
		// JWT used directly as the registry token is refused.
		jwt, err := s.reg.OIDC.Mint(oidcdev.Claims{Subject: "ci@tenant-a", Groups: []string{"tenant-a"}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.pullDigest(ctx, t, &authn.Bearer{Token: jwt}, "tenant-a/app:v1")
		refusedBy(t, "pull with an OIDC JWT as registry token", err, s.registry, http.StatusUnauthorized)
	})
}
