package auth_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/testkit"
)

// FuzzBearerToken: an accepted credential is RFC 6750's b64token (no white
// space, control character or non-ASCII byte), and reads back from
// "Bearer <token>".
func FuzzBearerToken(f *testing.F) {
	for _, s := range []string{"Bearer abc.def.ghi", "bearer x", "BEARER  x ", "Bearer", "Bearer ", "Basic dTpw", "Bearer a b",
		"Bearer a\tb", " Bearer x", "Bearerx", "Bearer \xff", "", "BeArer \x11", "Bearer a\vb", "Bearer a\x00b", "Bearer ab==", "Bearer =", "Bearer a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		tok, err := auth.BearerToken(header)
		if err != nil {
			if !errors.Is(err, handlers.ErrUnauthenticated) || !errors.Is(err, auth.ErrNoBearer) {
				t.Fatalf("BearerToken(%q) = %v", header, err)
			}
			return
		}
		if tok == "" || strings.ContainsFunc(tok, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII }) {
			t.Fatalf("BearerToken(%q) = %q", header, tok)
		}
		if again, err := auth.BearerToken("Bearer " + tok); err != nil || again != tok {
			t.Fatalf("BearerToken(%q) = %q, then %q, %v", header, tok, again, err)
		}
	})
}

// FuzzTenantFromGroups: the tenant is the first group without Keycloak's
// leading '/', and a valid tenant segment.
func FuzzTenantFromGroups(f *testing.F) {
	for _, s := range []string{"tenant-a", "/tenant-a", "/a/b", "//a", "Tenant-A", "", "..", "+", "\xff", "a b"} {
		f.Add(s, "other")
	}
	f.Fuzz(func(t *testing.T, first, second string) {
		tenant, err := auth.TenantFromGroups([]string{first, second})
		if err != nil {
			if !errors.Is(err, handlers.ErrUnauthenticated) || !errors.Is(err, auth.ErrBadTenant) {
				t.Fatalf("TenantFromGroups(%q) = %v", first, err)
			}
			if len(first) > 3 && strings.Contains(err.Error(), first) {
				t.Fatalf("TenantFromGroups(%q): error quotes the group: %v", first, err)
			}
			return
		}
		if tenant != strings.TrimPrefix(first, "/") || secretpath.CheckTenant(tenant) != nil {
			t.Fatalf("TenantFromGroups(%q) = %q", first, tenant)
		}
	})
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// FuzzDecodeUnverified fuzzes the token parse of the Kafka listeners (seed
// 000: Vault validates the JWT later). Whatever the bytes, an accepted
// token yields a subject and a valid tenant taken from its first group,
// and keeps the token; a refusal is ErrUnauthenticated and never quotes it.
func FuzzDecodeUnverified(f *testing.F) {
	o := testkit.StartOIDC(f, audience)
	v, err := auth.NewVerifier(f.Context(), auth.Config{Issuer: o.URL, Audience: o.Audience})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(o.Token(f, "alice", []string{"tenant-a"}, "admin"))
	f.Add(o.Token(f, "bob", []string{"/tenant-b", "x"}))
	claims := `{"sub":"s","groups":["tenant-a"],"roles":["admin"],"exp":4102444800}`
	for _, s := range []string{
		b64(`{"alg":"none"}`) + "." + b64(claims) + ".",
		b64(`{"alg":"RS256","crit":["exp"]}`) + "." + b64(claims) + ".c2ln",
		b64(`{"alg":"RS256"}`) + "." + b64(`{"sub":"s","groups":["../x"],"exp":1}`) + ".c2ln",
		b64(`{"alg":"RS256"}`) + "." + b64(`{"sub":"s","groups":"tenant-a","exp":1}`) + ".c2ln",
		b64(`{"alg":"RS256"}`) + "." + b64(`{"sub":"","groups":["tenant-a"],"exp":1}`) + ".c2ln",
		b64(`{"alg":"RS256"}`) + "." + b64(`{"sub":"s","groups":["tenant-a"],"roles":[1],"exp":1}`) + ".c2ln",
		b64(`{"alg":"RS256"}`) + "." + b64(`{"sub":"s","groups":["tenant-a"]}`) + ".c2ln",
		"a.b.c", "", "....", "eyJ.eyJ.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := v.DecodeUnverified(raw)
		if err != nil {
			if !errors.Is(err, handlers.ErrUnauthenticated) {
				t.Fatalf("DecodeUnverified(%q) = %v", raw, err)
			}
			if len(raw) > 8 && strings.Contains(err.Error(), raw) {
				t.Fatalf("refusal quotes the token: %v", err)
			}
			return
		}
		if p.Token != raw || p.Subject == "" || p.Expiry.IsZero() || len(p.Groups) == 0 ||
			p.Tenant != strings.TrimPrefix(p.Groups[0], "/") || secretpath.CheckTenant(p.Tenant) != nil {
			t.Fatalf("DecodeUnverified(%q) = %+v", raw, p)
		}
		if c := p.Caller(); c.Tenant != p.Tenant || c.Subject != p.Subject {
			t.Fatalf("caller %+v of %+v", c, p)
		}
	})
}
