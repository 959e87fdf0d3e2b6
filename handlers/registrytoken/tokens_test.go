package registrytoken_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/registrytoken"
)

var testPlans = []registrytoken.Plan{
	{Name: "community", Repositories: []registrytoken.Rule{{Pattern: "library/*", Actions: []string{"pull"}}}},
	{Name: "team", Repositories: []registrytoken.Rule{
		{Pattern: "library/*", Actions: []string{"pull"}},
		{Pattern: "team-a/*", Actions: []string{"pull", "push"}},
	}},
}

type fixtureTokens struct {
	tokens *registrytoken.Tokens
	signer *registrytoken.Signer
	store  *registrytoken.BoltRefreshStore
}

func newTokens(t *testing.T, mutate func(*registrytoken.Config)) fixtureTokens {
	t.Helper()
	cfg := registrytoken.Config{
		Enabled: true, Issuer: "https://token.example.com", Plans: testPlans, DefaultPlan: "community",
		RevokedLicenses: []string{"lic-revoked"}, Now: func() time.Time { return t0.Add(700 * time.Millisecond) },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	signer, err := registrytoken.NewSigner(rsaKey(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	store, _ := openStore(t)
	tokens, err := registrytoken.NewTokens(cfg, signer, store, "admin")
	if err != nil {
		t.Fatal(err)
	}
	return fixtureTokens{tokens: tokens, signer: signer, store: store}
}

var alice = handlers.Caller{Subject: "alice", Tenant: "tenant-a", Roles: []string{"developer"}}

func issueCmd(t *testing.T, plan string, ss ...string) registrytoken.IssueRegistryToken {
	return registrytoken.IssueRegistryToken{Auth: handlers.Auth{Caller: alice}, Service: "registry.example.com",
		Scopes: scopes(t, ss...), Plan: plan, Grant: registrytoken.GrantBasic}
}

// parseToken verifies raw with the signer's public key at t0, when it was issued.
func parseToken(t *testing.T, s *registrytoken.Signer, raw, audience string) (*jwt.Token, jwt.MapClaims) {
	t.Helper()
	claims := jwt.MapClaims{}
	tok, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.Public(), nil },
		jwt.WithValidMethods([]string{s.Algorithm()}), jwt.WithTimeFunc(func() time.Time { return t0 }),
		jwt.WithIssuer("https://token.example.com"), jwt.WithAudience(audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
	if err != nil {
		t.Fatalf("the token does not verify: %v", err)
	}
	return tok, claims
}

func TestIssueGrantsTheIntersection(t *testing.T) {
	t.Parallel()
	f := newTokens(t, nil)
	res, err := f.tokens.Issue(context.Background(), issueCmd(t, "team", "repository:team-a/app:pull,push,delete", "repository:other/x:pull"))
	if err != nil {
		t.Fatal(err)
	}
	reply := res.Reply.(registrytoken.IssueReply)
	if reply.Denied != nil || reply.Token == nil || reply.Plan != "team" {
		t.Fatalf("reply %+v", reply)
	}
	r := reply.Token
	if r.Token != r.AccessToken || r.ExpiresIn != 300 || r.IssuedAt != "2026-03-01T12:00:00Z" || r.RefreshToken != "" {
		t.Errorf("response %+v", r)
	}
	tok, claims := parseToken(t, f.signer, r.Token, "registry.example.com")
	if tok.Header["kid"] != f.signer.KID() {
		t.Errorf("kid %v, want %s", tok.Header["kid"], f.signer.KID())
	}
	if _, isString := claims["aud"].(string); !isString {
		t.Errorf("aud %v is not a single string", claims["aud"])
	}
	if claims["sub"] != "alice" || claims["jti"] == "" || claims["iat"] != float64(t0.Unix()) ||
		claims["nbf"] != float64(t0.Unix()) || claims["exp"] != float64(t0.Add(5*time.Minute).Unix()) {
		t.Errorf("claims %v", claims)
	}
	wantAccess := []any{
		map[string]any{"type": "repository", "name": "team-a/app", "actions": []any{"pull", "push"}},
		map[string]any{"type": "repository", "name": "other/x", "actions": []any{}},
	}
	if !reflect.DeepEqual(claims["access"], wantAccess) {
		t.Errorf("access %v, want %v", claims["access"], wantAccess)
	}
	if len(res.Events) != 1 || res.Events[0].Type != events.RegistryTokenIssued || res.Events[0].Tenant != "tenant-a" ||
		res.Events[0].Subject != "tenant-a/registrytoken/registry.example.com" {
		t.Fatalf("events %+v", res.Events)
	}
	d := res.Events[0].Data
	if d["plan"] != "team" || d["actor"] != "alice" || d["jti"] != claims["jti"] || d["offline"] != false {
		t.Errorf("event data %v", d)
	}
	for k, v := range d {
		if s, ok := v.(string); ok && s == r.Token {
			t.Errorf("event field %s holds the token", k)
		}
	}
}

func TestIssuePolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		mutate    func(*registrytoken.Config)
		cmd       func(*registrytoken.IssueRegistryToken)
		wantPlan  string // issued under this plan; "" means denied
		wantDeny  string
		wantClaim string // aud expected when issued
	}{
		{name: "claimed plan", cmd: func(c *registrytoken.IssueRegistryToken) { c.Plan = "team" }, wantPlan: "team"},
		{name: "default plan", wantPlan: "community"},
		{name: "unknown plan", cmd: func(c *registrytoken.IssueRegistryToken) { c.Plan = "gold" }, wantDeny: registrytoken.ReasonUnknownPlan},
		{name: "no plan, no default", mutate: func(c *registrytoken.Config) { c.DefaultPlan = "" }, wantDeny: registrytoken.ReasonUnknownPlan},
		{name: "revoked licence", cmd: func(c *registrytoken.IssueRegistryToken) { c.License = "lic-revoked" }, wantDeny: registrytoken.ReasonLicenseRevoked},
		{name: "valid licence", cmd: func(c *registrytoken.IssueRegistryToken) { c.License = "lic-ok" }, wantPlan: "community"},
		{name: "service allow-listed", mutate: func(c *registrytoken.Config) { c.AllowedServices = []string{"registry.example.com"} }, wantPlan: "community"},
		{name: "service not allow-listed", mutate: func(c *registrytoken.Config) { c.AllowedServices = []string{"other.example.com"} }, wantDeny: registrytoken.ReasonServiceNotAllowed},
		{name: "configured audience", mutate: func(c *registrytoken.Config) { c.Audience = "all-registries" }, wantPlan: "community", wantClaim: "all-registries"},
		{name: "anonymous without a plan", cmd: func(c *registrytoken.IssueRegistryToken) {
			c.Caller, c.Grant = handlers.Caller{}, registrytoken.GrantAnonymous
		}, wantDeny: registrytoken.ReasonUnknownPlan},
		{name: "anonymous", mutate: func(c *registrytoken.Config) { c.AnonymousPlan = "community" },
			cmd: func(c *registrytoken.IssueRegistryToken) {
				c.Caller, c.Grant, c.Plan = handlers.Caller{}, registrytoken.GrantAnonymous, "team"
			}, wantPlan: "community"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newTokens(t, tc.mutate)
			cmd := issueCmd(t, "", "repository:library/alpine:pull")
			if tc.cmd != nil {
				tc.cmd(&cmd)
			}
			res, err := f.tokens.Issue(context.Background(), cmd)
			if err != nil {
				t.Fatal(err)
			}
			reply := res.Reply.(registrytoken.IssueReply)
			if len(res.Events) != 1 {
				t.Fatalf("%d events, want 1", len(res.Events))
			}
			ev := res.Events[0]
			if tc.wantDeny != "" {
				if reply.Denied == nil || reply.Denied.Reason != tc.wantDeny || reply.Token != nil {
					t.Fatalf("reply %+v, want a denial %s", reply, tc.wantDeny)
				}
				if ev.Type != events.RegistryTokenRejected || ev.Data["reason"] != tc.wantDeny {
					t.Errorf("event %+v", ev)
				}
				if tc.wantDeny == registrytoken.ReasonLicenseRevoked && ev.Data["license"] != "lic-revoked" {
					t.Errorf("the rejection does not name the licence (hashed later by the bus): %v", ev.Data)
				}
				return
			}
			if reply.Token == nil || reply.Plan != tc.wantPlan || ev.Type != events.RegistryTokenIssued {
				t.Fatalf("reply %+v, event %s; want a token under %s", reply, ev.Type, tc.wantPlan)
			}
			aud := tc.wantClaim
			if aud == "" {
				aud = "registry.example.com"
			}
			_, claims := parseToken(t, f.signer, reply.Token.Token, aud)
			if claims["sub"] != cmd.Caller.Subject {
				t.Errorf("sub %v, want %q", claims["sub"], cmd.Caller.Subject)
			}
		})
	}
}

func TestIssueLifetime(t *testing.T) {
	t.Parallel()
	for _, lifetime := range []time.Duration{time.Second, 90 * time.Second, time.Hour} {
		f := newTokens(t, func(c *registrytoken.Config) { c.Lifetime = lifetime })
		res, err := f.tokens.Issue(context.Background(), issueCmd(t, ""))
		if err != nil {
			t.Fatal(err)
		}
		r := res.Reply.(registrytoken.IssueReply).Token
		_, claims := parseToken(t, f.signer, r.Token, "registry.example.com")
		iat, exp := int64(claims["iat"].(float64)), int64(claims["exp"].(float64))
		if time.Duration(exp-iat)*time.Second != lifetime || r.ExpiresIn != int(lifetime/time.Second) {
			t.Errorf("lifetime %s: exp-iat %ds, expires_in %d", lifetime, exp-iat, r.ExpiresIn)
		}
	}
}

func TestIssueRefreshToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTokens(t, nil)
	cmd := issueCmd(t, "team", "repository:team-a/app:push")
	cmd.Offline, cmd.License = true, "lic-ok"
	res, err := f.tokens.Issue(ctx, cmd)
	if err != nil {
		t.Fatal(err)
	}
	rt := res.Reply.(registrytoken.IssueReply).Token.RefreshToken
	if rt == "" {
		t.Fatal("no refresh token")
	}
	g, err := f.store.Lookup(ctx, rt, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if g.Subject != "alice" || g.Plan != "team" || g.License != "lic-ok" || g.Service != "registry.example.com" ||
		!g.ExpiresAt.Equal(t0.Add(registrytoken.DefaultRefreshLifetime)) {
		t.Errorf("grant %+v", g)
	}
	if d := res.Events[0].Data; d["offline"] != true || d["refreshId"] != g.ID {
		t.Errorf("event data %v", d)
	}
	// Refreshing mints no second refresh token.
	again := registrytoken.IssueRegistryToken{Auth: handlers.Auth{Caller: alice}, Service: g.Service, Plan: g.Plan,
		License: g.License, Grant: registrytoken.GrantRefresh, RefreshID: g.ID, Offline: true}
	res, err = f.tokens.Issue(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Reply.(registrytoken.IssueReply).Token; r == nil || r.RefreshToken != "" {
		t.Errorf("refresh reply %+v", r)
	}
	// A licence revoked after the refresh token was issued is refused.
	f2 := newTokens(t, func(c *registrytoken.Config) { c.RevokedLicenses = []string{"lic-ok"} })
	res, err = f2.tokens.Issue(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if d := res.Reply.(registrytoken.IssueReply).Denied; d == nil || d.Reason != registrytoken.ReasonLicenseRevoked {
		t.Errorf("refresh under a revoked licence: %+v", res.Reply)
	}
}

func TestIssueRefusesAMalformedCommand(t *testing.T) {
	t.Parallel()
	f := newTokens(t, nil)
	for name, mutate := range map[string]func(*registrytoken.IssueRegistryToken){
		"no service":            func(c *registrytoken.IssueRegistryToken) { c.Service = "" },
		"control in service":    func(c *registrytoken.IssueRegistryToken) { c.Service = "a\nb" },
		"unknown grant":         func(c *registrytoken.IssueRegistryToken) { c.Grant = "magic" },
		"no subject":            func(c *registrytoken.IssueRegistryToken) { c.Caller.Subject = "" },
		"anonymous with a sub":  func(c *registrytoken.IssueRegistryToken) { c.Grant = registrytoken.GrantAnonymous },
		"refresh without an id": func(c *registrytoken.IssueRegistryToken) { c.Grant = registrytoken.GrantRefresh },
		"bad scope": func(c *registrytoken.IssueRegistryToken) {
			c.Scopes = []registrytoken.Scope{{Type: "repository", Name: "A"}}
		},
		"bad scope type": func(c *registrytoken.IssueRegistryToken) {
			c.Scopes = []registrytoken.Scope{{Type: "repository(x)", Name: "a"}}
		},
		"bad scope class": func(c *registrytoken.IssueRegistryToken) {
			c.Scopes = []registrytoken.Scope{{Type: "repository", Class: "X", Name: "a"}}
		},
		"bad scope action": func(c *registrytoken.IssueRegistryToken) {
			c.Scopes = []registrytoken.Scope{{Type: "repository", Name: "a", Actions: []string{"pull,push"}}}
		},
		"scope too long": func(c *registrytoken.IssueRegistryToken) {
			c.Scopes = []registrytoken.Scope{{Type: "repository", Name: "a", Actions: slices.Repeat([]string{"pull"}, 250)}}
		},
	} {
		cmd := issueCmd(t, "", "repository:library/alpine:pull")
		mutate(&cmd)
		if _, err := f.tokens.Issue(context.Background(), cmd); !errors.Is(err, handlers.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

func TestRejectRecordsWithoutSecrets(t *testing.T) {
	t.Parallel()
	f := newTokens(t, nil)
	res, err := f.tokens.Reject(context.Background(), registrytoken.RejectRegistryToken{
		Reason: registrytoken.ReasonInvalidScope, Message: "scope 1: invalid scope", Service: "registry.example.com",
		Input: []string{"eyJhbGciOi.pasted.token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Events) != 1 || res.Events[0].Type != events.RegistryTokenRejected || res.Reply != nil {
		t.Fatalf("result %+v", res)
	}
	d := res.Events[0].Data
	if d["reason"] != registrytoken.ReasonInvalidScope || d["service"] != "registry.example.com" || d["actor"] != "" {
		t.Errorf("data %v", d)
	}
	if _, err := f.tokens.Reject(context.Background(), registrytoken.RejectRegistryToken{Reason: "because"}); !errors.Is(err, handlers.ErrInvalid) {
		t.Errorf("unknown reason: %v, want ErrInvalid", err)
	}
}

func TestRevokeRefreshTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newTokens(t, nil)
	cmd := issueCmd(t, "")
	cmd.Offline = true
	if _, err := f.tokens.Issue(ctx, cmd); err != nil {
		t.Fatal(err)
	}
	admin := handlers.Caller{Subject: "root", Tenant: "ops", Roles: []string{"admin"}}
	bob := handlers.Caller{Subject: "bob", Tenant: "tenant-a"}
	for _, tc := range []struct {
		name string
		cmd  registrytoken.RevokeRegistryRefreshTokens
		want error
		n    int
	}{
		{"someone else's", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: bob}, Subject: "alice"}, handlers.ErrForbidden, 0},
		{"by id, not admin", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: bob}, ID: "x"}, handlers.ErrForbidden, 0},
		{"neither", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: admin}}, handlers.ErrInvalid, 0},
		{"unknown id", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: admin}, ID: "x"}, handlers.ErrNotFound, 0},
		{"own", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: alice}, Subject: "alice"}, nil, 1},
		{"admin, none left", registrytoken.RevokeRegistryRefreshTokens{Auth: handlers.Auth{Caller: admin}, Subject: "alice"}, nil, 0},
	} {
		res, err := f.tokens.Revoke(ctx, tc.cmd)
		if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		if err == nil {
			if got := res.Reply.(registrytoken.RevokeReply).Revoked; got != tc.n || res.Events[0].Type != events.RegistryRefreshTokensRevoked || res.Events[0].Data["count"] != tc.n {
				t.Errorf("%s: revoked %d, events %+v; want %d", tc.name, got, res.Events, tc.n)
			}
		}
	}
}
