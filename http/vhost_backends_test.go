package rest_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/handlers/vhost"
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
