package auth_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// One authenticator serves every entry point; its options say which
// schemes each accepts. Each case is a request's Authorization values and
// either the subject it authenticates as or the sentinel and reason of its
// refusal, for REST (Bearer, Basic exchanged), Kafka (Bearer or the bare
// token) and /token (Basic with the token as the password).
func TestAuthenticatorSchemes(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDCWith(t, oidcdev.Options{Audience: audience, Clients: map[string]oidcdev.ClientSpec{
		"ci-bot": {Secret: "ci-secret-8d1f", Groups: []string{"tenant-a"}, Roles: []string{"developer"}},
	}})
	v := newVerifier(t, o, nil)
	exchanger, err := auth.NewBasicExchanger(o.TokenURL(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tok := o.Token(t, "alice", []string{"tenant-a"}, "developer")
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	build := func(opts auth.Options) *auth.Authenticator {
		a, err := auth.NewAuthenticator(v, opts)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	rest := build(auth.Options{Basic: auth.BasicExchange, Exchanger: exchanger})
	restNoBasic := build(auth.Options{})
	kafka := build(auth.Options{Raw: true})
	token := build(auth.Options{Basic: auth.BasicPassword, Exchanger: exchanger})

	type want struct {
		subject  string
		sentinel error
		reason   error
	}
	for _, c := range []struct {
		name   string
		a      *auth.Authenticator
		values []string
		want   want
	}{
		{"REST bearer", rest, []string{"Bearer " + tok}, want{subject: "alice"}},
		{"REST bearer, scheme in lower case", rest, []string{"bearer " + tok}, want{subject: "alice"}},
		{"REST basic exchanged", rest, []string{basic("ci-bot", "ci-secret-8d1f")}, want{subject: "ci-bot"}},
		{"REST basic, wrong secret", rest, []string{basic("ci-bot", "wrong")}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrClientRefused}},
		{"REST basic while off", restNoBasic, []string{basic("ci-bot", "ci-secret-8d1f")}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrBasicRefused}},
		{"REST malformed basic", rest, []string{"Basic !!!"}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrBadBasic}},
		{"REST bare token", rest, []string{tok}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrScheme}},
		{"REST other scheme", rest, []string{"Digest x"}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrScheme}},
		{"REST empty bearer", rest, []string{"Bearer "}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrNoBearer}},
		{"REST no header", rest, nil, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrNoHeader}},
		{"REST blank header", rest, []string{"  "}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrNoHeader}},
		{"REST two headers", rest, []string{"Bearer " + tok, "Bearer " + tok}, want{sentinel: handlers.ErrInvalid, reason: auth.ErrRepeatedHeader}},
		{"REST two headers, one empty", rest, []string{"", "Bearer " + tok}, want{sentinel: handlers.ErrInvalid, reason: auth.ErrRepeatedHeader}},
		{"REST garbage token", rest, []string{"Bearer not-a-jwt"}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrMalformed}},
		{"Kafka bare token", kafka, []string{tok}, want{subject: "alice"}},
		{"Kafka bearer", kafka, []string{"Bearer " + tok}, want{subject: "alice"}},
		{"Kafka basic", kafka, []string{basic("ci-bot", "ci-secret-8d1f")}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrBasicRefused}},
		{"Kafka bare garbage", kafka, []string{"not-a-jwt"}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrMalformed}},
		{"/token basic, the token as password", token, []string{basic("whoever", tok)}, want{subject: "alice"}},
		{"/token basic, client credentials", token, []string{basic("ci-bot", "ci-secret-8d1f")}, want{subject: "ci-bot"}},
		{"/token basic, empty password", token, []string{basic("alice", "")}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrNoToken}},
		{"/token basic, wrong secret", token, []string{basic("ci-bot", "hunter2")}, want{sentinel: handlers.ErrUnauthenticated, reason: auth.ErrClientRefused}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.a.Authenticate(t.Context(), c.values)
			if c.want.sentinel == nil {
				if err != nil || p.Subject != c.want.subject {
					t.Fatalf("Authenticate = %q, %v; want %q", p.Subject, err, c.want.subject)
				}
				return
			}
			if !errors.Is(err, c.want.sentinel) || !errors.Is(err, c.want.reason) {
				t.Fatalf("Authenticate error %v, want %v and %v", err, c.want.sentinel, c.want.reason)
			}
			if !strings.HasPrefix(err.Error(), c.want.sentinel.Error()+": ") {
				t.Errorf("error %q does not start with %q", err, c.want.sentinel)
			}
			if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), "ci-secret-8d1f") {
				t.Errorf("error %q carries the credential", err)
			}
		})
	}
}

// Unverified (Kafka in front of Vault) reads an expired token's claims,
// which verification refuses; a verifier that cannot decode is refused.
func TestAuthenticatorUnverified(t *testing.T) {
	t.Parallel()
	o := testkit.StartOIDC(t, audience)
	v := newVerifier(t, o, nil)
	expired, err := o.Mint(oidcdev.Claims{Subject: "alice", Groups: []string{"tenant-a"}, IssuedAt: time.Now().Add(-2 * time.Hour), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	skip, err := auth.NewAuthenticator(v, auth.Options{Raw: true, Unverified: true})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := skip.Authenticate(t.Context(), []string{"Bearer " + expired}); err != nil || p.Subject != "alice" {
		t.Errorf("unverified: %q, %v; want alice", p.Subject, err)
	}
	verified, err := auth.NewAuthenticator(v, auth.Options{Raw: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := verified.Authenticate(t.Context(), []string{expired}); !errors.Is(err, auth.ErrExpired) || err.Error() != "unauthenticated: token is expired" {
		t.Errorf("verified: %v, want unauthenticated: token is expired", err)
	}
	if _, err := auth.NewAuthenticator(verifyOnly{v}, auth.Options{Unverified: true}); err == nil {
		t.Error("Unverified accepted a verifier that cannot decode")
	}
	if _, err := auth.NewAuthenticator(v, auth.Options{Basic: auth.BasicExchange}); err == nil {
		t.Error("BasicExchange accepted without an exchanger")
	}
}

// verifyOnly hides DecodeUnverified.
type verifyOnly struct{ auth.TokenVerifier }
