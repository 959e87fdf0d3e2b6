package vhost_test

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/handlers/vhost/vhosttest"
)

// openKeystore opens a private view's keystore with its password and checks
// the pair: the certificate is self-signed by the key in the keystore and
// equals the certificate of the view.
func openKeystore(t *testing.T, v vhost.HostView) *x509.Certificate {
	t.Helper()
	sd := v.SecurityData
	if sd == nil || sd.SelfSignedSSL == nil || sd.SelfSignedSSL.PKCS12 == "" || sd.SelfSignedSSL.Password == "" {
		t.Fatalf("not a private view: %+v", v)
	}
	ssl := sd.SelfSignedSSL
	p12, err := base64.StdEncoding.DecodeString(ssl.PKCS12)
	if err != nil {
		t.Fatalf("pkcs12 is not Base64: %v", err)
	}
	key, cert, err := pkcs12.Decode(p12, ssl.Password)
	if err != nil {
		t.Fatalf("open the keystore with its password: %v", err)
	}
	if _, _, err := pkcs12.Decode(p12, ssl.Password+"x"); err == nil {
		t.Fatal("the keystore opens with a wrong password")
	}
	pub, ok := key.(crypto.Signer)
	if !ok {
		t.Fatalf("key %T is not a signer", key)
	}
	if !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub.Public()) {
		t.Fatal("the certificate does not match the key")
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Fatalf("the certificate is not self-signed: %v", err)
	}
	block, _ := pem.Decode([]byte(ssl.Cert))
	if block == nil || block.Type != "CERTIFICATE" || string(block.Bytes) != string(cert.Raw) {
		t.Fatal("the view's cert is not the keystore's certificate as PEM")
	}
	return cert
}

// TestKeystoreRoundTrip: the keystore opens with the returned password and
// holds a key and an RFC 5280 certificate with the requested dname,
// validity and key algorithm; defaults apply when nothing is given.
func TestKeystoreRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, alg, cfg      string
		wantSubject         string
		wantAlias, password string
		wantDays            int
	}{
		{"defaults, RSA", vhost.KeyRSA2048, `{}`, "CN=apache,OU=yarn,O=registry", vhost.DefaultAlias, "", vhost.DefaultValidity},
		{"seed example, ECDSA", vhost.KeyECDSAP256, `{"alias":"ssltest.yahoo.com","dname":"CN=ssltest.yahoo.com, OU=Unknown, O=Unknown","validity":1825}`,
			"CN=ssltest.yahoo.com,OU=Unknown,O=Unknown", "ssltest.yahoo.com", "", 1825},
		{"given password, escaped comma", vhost.KeyECDSAP256, `{"password":"correct horse","dname":"CN=a\\, b, O=Org, C=DE","validity":1}`,
			"CN=a\\, b,O=Org,C=DE", vhost.DefaultAlias, "correct horse", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := vhosttest.Start(t, vhosttest.Options{Config: vhost.Config{KeyAlgorithm: tt.alg}})
			cmd := secure(alice, "ks.example", "alice")
			cmd.SecurityData[vhost.PluginSelfSignedSSL] = json.RawMessage(tt.cfg)
			v := decode[vhost.HostReply](t, mustSend(t, h, cmd, alice)).VirtualHost
			cert := openKeystore(t, v)
			ssl := v.SecurityData.SelfSignedSSL
			if got := cert.Subject.String(); got != tt.wantSubject {
				t.Errorf("subject %q, want %q", got, tt.wantSubject)
			}
			if cert.Issuer.String() != cert.Subject.String() {
				t.Errorf("issuer %q is not the subject", cert.Issuer)
			}
			if ssl.Alias != tt.wantAlias {
				t.Errorf("alias %q, want %q", ssl.Alias, tt.wantAlias)
			}
			if tt.password != "" && ssl.Password != tt.password {
				t.Error("the given password was not used")
			}
			if tt.password == "" && len(ssl.Password) < 20 {
				t.Errorf("random password of %d characters", len(ssl.Password))
			}
			if got := cert.NotAfter.Sub(cert.NotBefore); got != time.Duration(tt.wantDays)*24*time.Hour {
				t.Errorf("validity %s, want %d days", got, tt.wantDays)
			}
			if !cert.NotBefore.Equal(h.Clock.Now()) {
				t.Errorf("not before %s, want the clock's %s", cert.NotBefore, h.Clock.Now())
			}
			wantAlg := map[string]x509.PublicKeyAlgorithm{vhost.KeyRSA2048: x509.RSA, vhost.KeyECDSAP256: x509.ECDSA}[tt.alg]
			if cert.PublicKeyAlgorithm != wantAlg {
				t.Errorf("key algorithm %s, want %s", cert.PublicKeyAlgorithm, wantAlg)
			}
			// RFC 5280: v3, positive serial of at most 20 octets, a subject
			// key identifier, not a CA, usable by a TLS server, for this name.
			if cert.Version != 3 || cert.SerialNumber.Sign() <= 0 || len(cert.SerialNumber.Bytes()) > 20 || len(cert.SubjectKeyId) == 0 {
				t.Errorf("not an RFC 5280 certificate: version %d, serial %s, skid %x", cert.Version, cert.SerialNumber, cert.SubjectKeyId)
			}
			if cert.IsCA {
				t.Error("the certificate is a CA")
			}
			// A client that pins the certificate trusts it for the host.
			roots := x509.NewCertPool()
			roots.AddCert(cert)
			if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: "ks.example", CurrentTime: h.Clock.Now().Add(time.Hour)}); err != nil {
				t.Errorf("a client pinning the certificate refuses it for ks.example: %v", err)
			}
		})
	}
}

// TestRandomPasswordsDiffer: two hosts never share a generated password.
func TestRandomPasswordsDiffer(t *testing.T) {
	t.Parallel()
	h := vhosttest.Start(t, vhosttest.Options{})
	a := decode[vhost.HostReply](t, mustSend(t, h, secure(alice, "a.example", "alice"), alice)).VirtualHost
	b := decode[vhost.HostReply](t, mustSend(t, h, secure(alice, "b.example", "alice"), alice)).VirtualHost
	if a.SecurityData.SelfSignedSSL.Password == b.SecurityData.SelfSignedSSL.Password {
		t.Fatal("two hosts got the same random password")
	}
}
