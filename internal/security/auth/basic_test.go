package auth_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// Exchanged tokens are reused per credentials until the cache TTL; wrong
// credentials are 401-kind, an issuer that fails is 503-kind (fail closed).
func TestBasicExchangerCachesAndFailsClosed(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			http.Error(w, "boom", http.StatusBadGateway)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || r.FormValue("grant_type") != "client_credentials" || id != "bot" || secret != "s3cret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"tok-` + time.Now().Format(time.RFC3339Nano) + `","expires_in":300}`))
	}))
	t.Cleanup(srv.Close)
	b, err := auth.NewBasicExchanger(srv.URL, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	first, err := b.Token(ctx, "bot", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	second, err := b.Token(ctx, "bot", "s3cret")
	if err != nil || second != first || calls.Load() != 1 {
		t.Errorf("second call: %q %v after %d exchanges, want the cached token after 1", second, err, calls.Load())
	}
	if _, err := b.Token(ctx, "bot", "wrong"); !errors.Is(err, handlers.ErrUnauthenticated) {
		t.Errorf("wrong secret: %v, want unauthenticated", err)
	}
	down.Store(true)
	if _, err := b.Token(ctx, "bot", "other"); !errors.Is(err, handlers.ErrUnavailable) {
		t.Errorf("issuer failing: %v, want unavailable", err)
	}
	if tok, err := b.Token(ctx, "bot", "s3cret"); err != nil || tok != first {
		t.Errorf("cached credentials while the issuer fails: %q %v", tok, err)
	}
}

// The password grant against the dev issuer, as a public client and as a
// confidential one: a user's name and password give a token that verifies
// as that user, exchanged once and then reused; a wrong password is
// 401-kind and is asked again every time (refusals are never cached); a
// client id and secret are not a user; and a configured client the issuer
// refuses is 503-kind, since then no user could log in.
func TestBasicPasswordGrant(t *testing.T) {
	t.Parallel()
	const password = "alice.pass.word" // two dots, yet not a JWT
	o := testkit.StartOIDCWith(t, oidcdev.Options{Audience: audience,
		Clients: map[string]oidcdev.ClientSpec{
			"docker": {Public: true, PasswordGrant: true},
			"login":  {Secret: "login-secret", PasswordGrant: true},
			"robot":  {Secret: "robot-secret", Groups: []string{"tenant-a"}},
		},
		Users: map[string]oidcdev.UserSpec{"alice": {Password: password, Groups: []string{"tenant-a"}, Roles: []string{"developer"}}},
	})
	v := newVerifier(t, o, nil)
	ctx := t.Context()
	var logs bytes.Buffer
	exchanger := func(t *testing.T, client, secret string) *auth.BasicExchanger {
		t.Helper()
		b, err := auth.NewBasicExchangerWith(auth.BasicConfig{TokenURL: o.TokenURL(), Grant: auth.GrantPassword,
			ClientID: client, ClientSecret: secret, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	for _, client := range [][2]string{{"docker", ""}, {"login", "login-secret"}} {
		b := exchanger(t, client[0], client[1])
		before := o.TokenRequests()
		tok, err := b.Token(ctx, "alice", password)
		if err != nil {
			t.Fatalf("%s: alice's password: %v", client[0], err)
		}
		p, err := verify(t, v, tok)
		if err != nil || p.Subject != "alice" || p.Tenant != "tenant-a" || p.Claims["azp"] != client[0] {
			t.Errorf("%s: principal %+v, %v; want alice of tenant-a, azp %s", client[0], p, err, client[0])
		}
		if again, err := b.Token(ctx, "alice", password); err != nil || again != tok {
			t.Errorf("%s: second exchange %v, want the cached token", client[0], err)
		}
		if n := o.TokenRequests() - before; n != 1 {
			t.Errorf("%s: %d requests at the issuer for two logins, want 1 (cached)", client[0], n)
		}
		before = o.TokenRequests()
		for _, creds := range [][2]string{{"alice", "wrong"}, {"alice", "wrong"}, {"mallory", password}, {"robot", "robot-secret"}} {
			_, err := b.Token(ctx, creds[0], creds[1])
			if !errors.Is(err, handlers.ErrUnauthenticated) || !errors.Is(err, auth.ErrUserRefused) {
				t.Errorf("%s: %s: %v, want unauthenticated, %v", client[0], creds[0], err, auth.ErrUserRefused)
			}
			if err != nil && strings.Contains(err.Error(), creds[1]) {
				t.Errorf("error %q carries the password", err)
			}
		}
		if n := o.TokenRequests() - before; n != 4 {
			t.Errorf("%s: %d requests at the issuer for four refused logins, want 4 (refusals not cached)", client[0], n)
		}
	}

	// The issuer refuses the configured client: an operator's mistake.
	for _, client := range [][2]string{{"login", "wrong-secret"}, {"robot", "robot-secret"}, {"nobody", ""}} {
		_, err := exchanger(t, client[0], client[1]).Token(ctx, "alice", password)
		if !errors.Is(err, handlers.ErrUnavailable) || errors.Is(err, handlers.ErrUnauthenticated) {
			t.Errorf("client %s: %v, want unavailable", client[0], err)
		}
	}
	if !strings.Contains(logs.String(), "REGISTRY_AUTH_BASIC_CLIENT_ID") {
		t.Errorf("no warning naming the client settings: %q", logs.String())
	}
	for _, secret := range []string{password, "wrong-secret", "robot-secret"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q: %s", secret, logs.String())
		}
	}

	// At /token (BasicPassword): the user's password is exchanged, a JWT
	// pasted as the password is still taken as is.
	a, err := auth.NewAuthenticator(v, auth.Options{Basic: auth.BasicPassword, Exchanger: exchanger(t, "docker", "")})
	if err != nil {
		t.Fatal(err)
	}
	basic := func(id, secret string) []string {
		return []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))}
	}
	if p, err := a.Authenticate(ctx, basic("alice", password)); err != nil || p.Subject != "alice" {
		t.Errorf("/token, alice's password: %q, %v", p.Subject, err)
	}
	jwt := o.Token(t, "bob", []string{"tenant-b"}, "developer")
	before := o.TokenRequests()
	if p, err := a.Authenticate(ctx, basic("whoever", jwt)); err != nil || p.Subject != "bob" || o.TokenRequests() != before {
		t.Errorf("/token, a JWT as the password: %q, %v after %d exchanges, want bob and none", p.Subject, err, o.TokenRequests()-before)
	}
	if _, err := a.Authenticate(ctx, basic("alice", "nope")); !errors.Is(err, auth.ErrUserRefused) || err.Error() != "unauthenticated: "+auth.ErrUserRefused.Error() {
		t.Errorf("/token, a wrong password: %v", err)
	}
}

func TestBasicConfigValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cfg  auth.BasicConfig
		want string // "" for valid
	}{
		{auth.BasicConfig{TokenURL: "http://h/token"}, ""},
		{auth.BasicConfig{TokenURL: "http://h/token", Grant: auth.GrantClientCredentials}, ""},
		{auth.BasicConfig{TokenURL: "http://h/token", Grant: auth.GrantPassword, ClientID: "docker"}, ""},
		{auth.BasicConfig{TokenURL: "http://h/token", Grant: auth.GrantPassword}, "REGISTRY_AUTH_BASIC_CLIENT_ID"},
		{auth.BasicConfig{TokenURL: "http://h/token", Grant: "implicit"}, `REGISTRY_AUTH_BASIC_GRANT "implicit"`},
		{auth.BasicConfig{TokenURL: "/token"}, "REGISTRY_AUTH_BASIC_TOKEN_URL"},
	} {
		_, err := auth.NewBasicExchangerWith(tc.cfg)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}
