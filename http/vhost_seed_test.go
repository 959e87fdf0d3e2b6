package rest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

// seedPOSTExample is seed 004's POST virtualHost example ("General"), byte
// for byte, the trailing space after the name included.
const seedPOSTExample = "" +
	"{\n" +
	"   \"virtualHost\":{\n" +
	"      \"name\":\"ssltest.yahoo.com\", \n" +
	"      \"owner\":[\"yca:some-role\"],\n" +
	"      \"securityData\":{\n" +
	"          \"SelfSignedSSL\":{\n" +
	"              \"alias\": \"ssltest.yahoo.com\",\n" +
	"              \"dname\": \"CN=ssltest.yahoo.com, OU=Unknown, O=Unknown\",\n" +
	"              \"validity\": 1825\n" +
	"          }\n" +
	"      }\n" +
	"   }\n" +
	"}"

// wantSeedResponse checks a create reply against seed 004's example
// response: the host with its owner as given and SelfSignedSSL's alias,
// dname and validity, plus the private material its creator needs (a
// keystore that opens with the password and holds the certificate).
func wantSeedResponse(t *testing.T, r testkit.Response) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var body map[string]map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || len(body) != 1 || body["virtualHost"] == nil {
		t.Fatalf("reply %s: want {\"virtualHost\":{…}} (%v)", r.Body, err)
	}
	vh := body["virtualHost"]
	owner, _ := vh["owner"].([]any)
	if vh["name"] != "ssltest.yahoo.com" || len(owner) != 1 || owner[0] != "yca:some-role" {
		t.Fatalf("reply %s: want the example's name and owner", r.Body)
	}
	sd, _ := vh["securityData"].(map[string]any)
	ssl, _ := sd["SelfSignedSSL"].(map[string]any)
	want := map[string]any{"alias": "ssltest.yahoo.com", "dname": "CN=ssltest.yahoo.com, OU=Unknown, O=Unknown", "validity": json.Number("1825")}
	for k, v := range want {
		if ssl[k] != v {
			t.Errorf("securityData.SelfSignedSSL.%s = %v, want %v (seed 004's example response)", k, ssl[k], v)
		}
	}
	password, _ := ssl["password"].(string)
	p12, _ := ssl["pkcs12"].(string)
	certPEM, _ := ssl["cert"].(string)
	der, err := base64.StdEncoding.DecodeString(p12)
	if err != nil || password == "" || !strings.HasPrefix(certPEM, "-----BEGIN CERTIFICATE-----\n") {
		t.Fatalf("reply lacks the private material: %s", r.Body)
	}
	_, cert, _, err := pkcs12.DecodeChain(der, password)
	if err != nil {
		t.Fatalf("open the keystore with its password: %v", err)
	}
	if cert.Subject.CommonName != "ssltest.yahoo.com" || !slices.Equal(cert.Subject.OrganizationalUnit, []string{"Unknown"}) {
		t.Errorf("certificate subject %s, want the example's dname", cert.Subject)
	}
}

// TestVirtualHostSeedExample posts seed 004's example verbatim: with yca
// mapped to the roles claim its creator holds some-role and owns the host;
// without a mapping the owner is stored as given but matches nobody, so a
// platform admin creates it and a developer is refused with the reason.
func TestVirtualHostSeedExample(t *testing.T) {
	t.Parallel()
	t.Run("yca mapped to the roles claim", func(t *testing.T) {
		t.Parallel()
		s := startVHostServerWith(t, false, vhost.Config{OwnerTypes: map[string]string{"yca": "roles"}})
		holder := s.oidc.Token(t, "dev", []string{"acme"}, "developer", "some-role")
		other := s.oidc.Token(t, "ops", []string{"acme"}, "developer", "some-role")
		lacking := s.oidc.Token(t, "mallory", []string{"acme"}, "developer")
		wantSeedResponse(t, testkit.Do(t, http.MethodPost, s.url+"/virtualHost", holder, []byte(seedPOSTExample)))
		for _, c := range []struct {
			who, tok string
			private  bool
		}{{"another holder of the role", other, true}, {"a developer without it", lacking, false}} {
			var v vhost.HostReply
			r := testkit.Do(t, http.MethodGet, s.url+"/virtualHost/ssltest.yahoo.com", c.tok, nil)
			r.JSON(t, &v)
			if got := v.VirtualHost; (got.SecurityData.SelfSignedSSL.PKCS12 != "") != c.private || !slices.Equal(got.Owner, []string{"yca:some-role"}) {
				t.Errorf("%s: view %s, want private %v and the owner as given", c.who, r.Body, c.private)
			}
		}
		wantVHError(t, testkit.Do(t, http.MethodDelete, s.url+"/virtualHost/ssltest.yahoo.com", lacking, nil), http.StatusForbidden, "non-holder deletes")
		if r := testkit.Do(t, http.MethodDelete, s.url+"/virtualHost/ssltest.yahoo.com", other, nil); r.Status != http.StatusNoContent {
			t.Fatalf("another holder deletes: %d %s", r.Status, r.Body)
		}
	})
	t.Run("no mapping", func(t *testing.T) {
		t.Parallel()
		s := startVHostServer(t, false)
		holder := s.oidc.Token(t, "dev", []string{"acme"}, "developer", "some-role")
		root := s.oidc.Token(t, "root", []string{"acme"}, "platform-admin")
		r := testkit.Do(t, http.MethodPost, s.url+"/virtualHost", holder, []byte(seedPOSTExample))
		wantVHError(t, r, http.StatusForbidden, "developer posts the example")
		if !strings.Contains(string(r.Body), "owners of type yca match nobody here") {
			t.Errorf("403 does not say why: %s", r.Body)
		}
		wantSeedResponse(t, testkit.Do(t, http.MethodPost, s.url+"/virtualHost", root, []byte(seedPOSTExample)))
		wantVHError(t, testkit.Do(t, http.MethodPut, s.url+"/virtualHost/ssltest.yahoo.com/server/s1", holder, []byte(`{"server":{"host":"h"}}`)),
			http.StatusForbidden, "holder heartbeats a host whose owner type is not mapped")
	})
}

// TestVirtualHostOwnerClaims: a typed owner is matched against the claim
// its type is mapped to, found by name or by dotted path, compared
// exactly; a claim of another shape matches nobody; a malformed owner is
// 400 naming the problem.
func TestVirtualHostOwnerClaims(t *testing.T) {
	t.Parallel()
	s := startVHostServerWith(t, false, vhost.Config{OwnerTypes: map[string]string{"kc": "realm_access.roles", "lvl": "level"}})
	mint := func(subject string, extra map[string]any) string {
		t.Helper()
		tok, err := s.oidc.Mint(oidcdev.Claims{Subject: subject, Groups: []string{"acme"}, Roles: []string{"developer"}, Extra: extra})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	nested := mint("kc-user", map[string]any{"realm_access": map[string]any{"roles": []any{"svc-owner"}}})
	otherCase := mint("kc-other", map[string]any{"realm_access": map[string]any{"roles": []any{"SVC-OWNER"}}})
	numeric := mint("lvl-user", map[string]any{"level": 3})
	create := func(tok, name, owner string) testkit.Response {
		body := `{"virtualHost":{"name":"` + name + `","owner":["` + owner + `"],"securityData":{"SelfSignedSSL":{}}}}`
		return testkit.Do(t, http.MethodPost, s.url+"/virtualHost", tok, []byte(body))
	}
	if r := create(nested, "kc.example.com", "kc:svc-owner"); r.Status != http.StatusOK {
		t.Fatalf("owner by a nested claim: %d %s", r.Status, r.Body)
	}
	wantVHError(t, create(otherCase, "kc2.example.com", "kc:svc-owner"), http.StatusForbidden, "the value in another case")
	wantVHError(t, create(numeric, "lvl.example.com", "lvl:3"), http.StatusForbidden, "a claim that is not a string")
	for _, tc := range []struct{ owner, want string }{
		{"kc:", "must be 1 to 255 bytes"},
		{"kc:a b", "spaces or control characters"},
		{":svc-owner", "owner type"},
		{"k c:svc-owner", "owner type"},
	} {
		r := create(nested, "bad.example.com", tc.owner)
		wantVHError(t, r, http.StatusBadRequest, "owner "+tc.owner)
		if !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("owner %q: %s, want a description naming %q", tc.owner, r.Body, tc.want)
		}
	}
}
