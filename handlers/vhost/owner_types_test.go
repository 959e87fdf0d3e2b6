package vhost_test

import (
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

// withClaims is a with the token claim values the ingress adapter copies
// for typed owners.
func withClaims(a vhost.Auth, claim string, values ...string) vhost.Auth {
	a.Claims = map[string][]string{claim: values}
	return a
}

// seedExampleSSL is the SelfSignedSSL entry of seed 004's POST example.
const seedExampleSSL = `{"alias":"ssltest.yahoo.com","dname":"CN=ssltest.yahoo.com, OU=Unknown, O=Unknown","validity":1825}`

// certOf parses a view's PEM certificate.
func certOf(t *testing.T, v vhost.HostView) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode([]byte(v.SecurityData.SelfSignedSSL.Cert))
	if block == nil {
		t.Fatalf("no PEM certificate in %+v", v.SecurityData.SelfSignedSSL)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// TestTypedOwners: with yca mapped to the roles claim, seed 004's example
// owner "yca:some-role" is stored as given and is any caller of the host's
// tenant whose roles claim holds some-role; the create reply carries the
// example response's options besides the private material.
func TestTypedOwners(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{Config: vhost.Config{OwnerTypes: map[string]string{"yca": "roles"}}})
	holder := withClaims(mallory, "roles", "other-role", "some-role") // acme, holds the role
	otherTenant := withClaims(eve, "roles", "some-role")              // holds it, in another tenant
	wrongClaim := withClaims(mallory, "groups", "some-role")          // the value, in a claim yca is not mapped to

	cmd := &vhost.CreateVirtualHost{Auth: holder, Name: "ssltest.yahoo.com", Owners: []string{"yca:some-role"}, SecurityData: ssl(seedExampleSSL)}
	created := decode[vhost.HostReply](t, mustSend(t, h, cmd, holder)).VirtualHost
	sd := created.SecurityData.SelfSignedSSL
	switch {
	case !slices.Equal(created.Owner, []string{"yca:some-role"}):
		t.Fatalf("owners %q, want them as given", created.Owner)
	case sd.Alias != "ssltest.yahoo.com" || sd.DName != "CN=ssltest.yahoo.com, OU=Unknown, O=Unknown" || sd.Validity != 1825:
		t.Fatalf("create reply lacks the example response's alias, dname and validity: %+v", sd)
	case sd.Password == "" || sd.PKCS12 == "" || sd.Cert == "":
		t.Fatal("create reply lacks the private material")
	}
	cert := certOf(t, created)
	if cert.Subject.CommonName != "ssltest.yahoo.com" || !slices.Equal(cert.Subject.OrganizationalUnit, []string{"Unknown"}) ||
		cert.NotAfter.Sub(cert.NotBefore) != 1825*24*time.Hour {
		t.Fatalf("certificate %s, %s to %s: not the reply's dname and validity", cert.Subject, cert.NotBefore, cert.NotAfter)
	}
	sync(t, h)
	if stored, err := h.View.Host(t.Context(), "ssltest.yahoo.com"); err != nil || !slices.Equal(stored.Owners, []string{"yca:some-role"}) {
		t.Fatalf("projection: %+v, %v", stored, err)
	}

	views := []struct {
		name    string
		who     vhost.Auth
		private bool
	}{
		{"holder of the role", holder, true},
		{"platform admin", root, true},
		{"caller without the claim", mallory, false},
		{"the value in another claim", wrongClaim, false},
		{"holder of the role in another tenant", otherTenant, false},
	}
	for _, tt := range views {
		t.Run("view/"+tt.name, func(t *testing.T) {
			v := decode[vhost.HostReply](t, mustSend(t, h, &vhost.GetVirtualHost{Auth: tt.who, Name: "ssltest.yahoo.com"}, tt.who)).VirtualHost
			got := v.SecurityData.SelfSignedSSL
			if (got.PKCS12 != "") != tt.private || (got.Password == sd.Password) != tt.private {
				t.Fatalf("view %+v, want private %v", got, tt.private)
			}
			if got.DName != "" || got.Validity != 0 {
				t.Fatalf("a read carries the create reply's options: %+v", got)
			}
		})
	}
	writes := []struct {
		name string
		cmd  any
		who  vhost.Auth
		want error
	}{
		{"holder heartbeats", heartbeat(holder, "ssltest.yahoo.com", "s1", "h.example"), holder, nil},
		{"caller without the claim heartbeats", heartbeat(mallory, "ssltest.yahoo.com", "s2", "h.example"), mallory, errForbidden},
		{"the value in another claim heartbeats", heartbeat(wrongClaim, "ssltest.yahoo.com", "s2", "h.example"), wrongClaim, errForbidden},
		{"holder in another tenant heartbeats", heartbeat(otherTenant, "ssltest.yahoo.com", "s2", "h.example"), otherTenant, errForbidden},
		{"holder in another tenant deletes", &vhost.DeleteVirtualHost{Auth: otherTenant, Name: "ssltest.yahoo.com"}, otherTenant, errForbidden},
		{"create owned by a role the creator lacks", &vhost.CreateVirtualHost{Auth: mallory, Name: "x.example", Owners: []string{"yca:some-role"}, SecurityData: ssl(`{}`)}, mallory, errForbidden},
		{"create with a bare user beside the typed owner", secure(alice, "mixed.example", "yca:some-role", "alice"), alice, nil},
		{"create owned by an unmapped type", secure(holder, "ldap.example", "ldap:some-role"), holder, errForbidden},
		{"platform admin creates a host of an unmapped type", secure(root, "ldap2.example", "ldap:some-role"), root, nil},
		{"typed owner listed twice", secure(holder, "twice.example", "yca:some-role", "yca:some-role"), holder, errInvalid},
		{"typed owner without a value", secure(holder, "empty.example", "yca:"), holder, errInvalid},
		{"typed owner with a space", secure(holder, "space.example", "yca:some role"), holder, errInvalid},
		{"owner type with a space", secure(holder, "type.example", "y ca:some-role"), holder, errInvalid},
	}
	for _, tt := range writes {
		t.Run("write/"+tt.name, func(t *testing.T) {
			_, err := send(t, h, tt.cmd, tt.who)
			wantErr(t, tt.name, err, tt.want)
		})
	}
	sync(t, h)
	// The holder changes the mixed host too; an owner of an unmapped type
	// matches nobody, so only the platform admin changes that host.
	_, err := send(t, h, heartbeat(holder, "mixed.example", "s1", "h.example"), holder)
	wantErr(t, "holder heartbeats the mixed host", err, nil)
	_, err = send(t, h, heartbeat(holder, "ldap2.example", "s1", "h.example"), holder)
	wantErr(t, "holder heartbeats a host of an unmapped type", err, errForbidden)
	_, err = send(t, h, heartbeat(root, "ldap2.example", "s1", "h.example"), root)
	wantErr(t, "platform admin heartbeats a host of an unmapped type", err, nil)
	_, err = send(t, h, &vhost.DeleteVirtualHost{Auth: holder, Name: "ssltest.yahoo.com"}, holder)
	wantErr(t, "holder deletes", err, nil)
}

// TestTypedOwnerUnmapped: with no mapping (the default), seed 004's example
// is still accepted and stored as given, but its owner matches nobody: a
// platform admin creates and changes the host, and a developer holding
// the role is told why it is refused.
func TestTypedOwnerUnmapped(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	holder := withClaims(alice, "roles", "some-role")
	cmd := &vhost.CreateVirtualHost{Auth: holder, Name: "ssltest.yahoo.com", Owners: []string{"yca:some-role"}, SecurityData: ssl(seedExampleSSL)}
	_, err := send(t, h, cmd, holder)
	wantErr(t, "developer creates", err, errForbidden)
	if !strings.Contains(err.Error(), "owners of type yca match nobody here") {
		t.Fatalf("error %q does not say why", err)
	}
	cmd.Auth = root
	created := decode[vhost.HostReply](t, mustSend(t, h, cmd, root)).VirtualHost
	if !slices.Equal(created.Owner, []string{"yca:some-role"}) || created.SecurityData.SelfSignedSSL.PKCS12 == "" {
		t.Fatalf("created %+v", created)
	}
	sync(t, h)
	_, err = send(t, h, heartbeat(holder, "ssltest.yahoo.com", "s1", "h.example"), holder)
	wantErr(t, "holder heartbeats", err, errForbidden)
	v := decode[vhost.HostReply](t, mustSend(t, h, &vhost.GetVirtualHost{Auth: holder, Name: "ssltest.yahoo.com"}, holder)).VirtualHost
	if v.SecurityData.SelfSignedSSL.PKCS12 != "" || !slices.Equal(v.Owner, []string{"yca:some-role"}) {
		t.Fatalf("holder's view %+v: want the public view listing the owner", v)
	}
	mustSend(t, h, &vhost.DeleteVirtualHost{Auth: root, Name: "ssltest.yahoo.com"}, root)
}
