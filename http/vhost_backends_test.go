package rest_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// A secure virtual host on every deployment: its keystore goes through the
// real secret store (sealed bbolt, or Vault under the tenant's policy),
// opens with the password of the private view, stays out of the public
// view, survives a recrypt and goes with the host.
func TestVirtualHostKeystoreOnEveryBackend(t *testing.T) {
	t.Parallel()
	onEveryBackend(t, func(t *testing.T, reg *testkit.Registry) {
		tenant := reg.Tenant(t)
		alice := reg.Token(t, "alice", tenant, "developer")
		bob := reg.Token(t, "bob", tenant, "developer")
		admin := reg.Token(t, "root", tenant, "platform-admin")
		base := reg.URL + "/registry/v1/virtualHost"
		name := tenant + ".svc.example.com"
		body := `{"virtualHost":{"name":"` + name + `","owner":["user:alice@` + tenant + `"],"securityData":{"SelfSignedSSL":{"dname":"CN=svc, O=hypo"}}}}`
		if r := testkit.Do(t, http.MethodPost, base, alice, []byte(body)); r.Status != http.StatusOK {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		read := func(tok string) vhost.SSLView {
			r := testkit.Do(t, http.MethodGet, base+"/"+name, tok, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("read: %d %s", r.Status, r.Body)
			}
			var h vhost.HostReply
			r.JSON(t, &h)
			if h.VirtualHost.SecurityData == nil || h.VirtualHost.SecurityData.SelfSignedSSL == nil {
				t.Fatalf("no SelfSignedSSL in %s", r.Body)
			}
			return *h.VirtualHost.SecurityData.SelfSignedSSL
		}
		private := read(alice)
		p12, err := base64.StdEncoding.DecodeString(private.PKCS12)
		if err != nil {
			t.Fatal(err)
		}
		_, cert, _, err := pkcs12.DecodeChain(p12, private.Password)
		if err != nil {
			t.Fatalf("open the keystore with its password: %v", err)
		}
		if cert.Subject.CommonName != "svc" || !strings.Contains(private.Cert, "BEGIN CERTIFICATE") {
			t.Errorf("certificate subject %s", cert.Subject)
		}
		if public := read(bob); public.Password != "" || public.PKCS12 != "" || public.Cert != private.Cert {
			t.Errorf("another member sees private material: %+v", public)
		}
		var recrypt vhost.RecryptReply
		r := testkit.Do(t, http.MethodPost, reg.URL+"/registry/v1/admin/virtualHostRecrypt", admin, nil)
		r.JSON(t, &recrypt)
		if r.Status != http.StatusOK || recrypt.Result[name] != "OK" {
			t.Errorf("recrypt: %d %v", r.Status, recrypt.Result)
		}
		if again := read(alice); again.Password != private.Password || again.PKCS12 != private.PKCS12 {
			t.Error("the keystore changed across a recrypt")
		}
		if r := testkit.Do(t, http.MethodDelete, base+"/"+name, bob, nil); r.Status != http.StatusForbidden {
			t.Errorf("a non-owner deleted the host: %d", r.Status)
		}
		if r := testkit.Do(t, http.MethodDelete, base+"/"+name, alice, nil); r.Status != http.StatusNoContent {
			t.Errorf("owner delete: %d %s", r.Status, r.Body)
		}
		if r := testkit.Do(t, http.MethodGet, base+"/"+name, alice, nil); r.Status != http.StatusNotFound {
			t.Errorf("read after delete: %d", r.Status)
		}
	})
}

// Seed 004's example, posted verbatim to registryd on every deployment with
// yca mapped to the roles claim (REGISTRY_VHOST_OWNER_TYPES=yca=roles): the
// creator holding some-role gets the example response with its private
// material, another holder of the tenant reads the keystore from the real
// store, and a member without the role sees the public view only.
func TestVirtualHostSeedExampleOnEveryBackend(t *testing.T) {
	t.Parallel()
	for _, b := range testkit.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			reg := testkit.StartRegistryOn(t, b, func(c *app.Config) { c.VirtualHosts.OwnerTypes = map[string]string{"yca": "roles"} })
			tenant := reg.Tenant(t)
			holder := reg.Token(t, "dev", tenant, "developer", "some-role")
			other := reg.Token(t, "ops", tenant, "developer", "some-role")
			lacking := reg.Token(t, "bob", tenant, "developer")
			base := reg.URL + "/registry/v1/virtualHost"
			created := testkit.Do(t, http.MethodPost, base, holder, []byte(seedPOSTExample))
			wantSeedResponse(t, created)
			var mine vhost.HostReply
			created.JSON(t, &mine)
			for _, c := range []struct {
				who, tok string
				private  bool
			}{{"another holder", other, true}, {"a member without the role", lacking, false}} {
				var v vhost.HostReply
				r := testkit.Do(t, http.MethodGet, base+"/ssltest.yahoo.com", c.tok, nil)
				r.JSON(t, &v)
				got := v.VirtualHost.SecurityData.SelfSignedSSL
				if r.Status != http.StatusOK || (got.PKCS12 == mine.VirtualHost.SecurityData.SelfSignedSSL.PKCS12) != c.private || (got.Password != "") != c.private {
					t.Errorf("%s: %d %s, want private %v", c.who, r.Status, r.Body, c.private)
				}
			}
			if r := testkit.Do(t, http.MethodDelete, base+"/ssltest.yahoo.com", lacking, nil); r.Status != http.StatusForbidden {
				t.Errorf("a member without the role deletes: %d", r.Status)
			}
			if r := testkit.Do(t, http.MethodDelete, base+"/ssltest.yahoo.com", other, nil); r.Status != http.StatusNoContent {
				t.Errorf("another holder deletes: %d %s", r.Status, r.Body)
			}
		})
	}
}
