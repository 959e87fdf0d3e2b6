package vhost_test

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
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

// TestKeystoreAlias: the key and its certificate are stored under the
// alias (friendlyName, and a localKeyId tying them, on both bags), so the
// JDK's keytool lists the entry by that name as a PrivateKeyEntry, exports
// its certificate by alias and hands out its key by alias and password
// (KeyStore.getEntry, what a Java client's KeyStore.getKey does), and
// OpenSSL 3 shows the name on both bags without a legacy provider.
func TestKeystoreAlias(t *testing.T) {
	t.Parallel()
	keytool, openssl := lookTool(t, "keytool"), lookTool(t, "openssl")
	tests := []struct{ name, alg, cfg, alias string }{
		{"default alias, RSA", vhost.KeyRSA2048, `{}`, vhost.DefaultAlias},
		{"seed example, ECDSA", vhost.KeyECDSAP256, `{"alias":"ssltest.yahoo.com","validity":1825}`, "ssltest.yahoo.com"},
		{"mixed case, non-ASCII alias, given password", vhost.KeyECDSAP256, `{"alias":"Web-Schlüssel 1","password":"Tr0ub4dor&3 ~\"x\\"}`, "Web-Schlüssel 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := vhosttest.Start(t, vhosttest.Options{Config: vhost.Config{KeyAlgorithm: tt.alg}})
			cmd := secure(alice, "alias.example", "alice")
			cmd.SecurityData[vhost.PluginSelfSignedSSL] = json.RawMessage(tt.cfg)
			v := decode[vhost.HostReply](t, mustSend(t, h, cmd, alice)).VirtualHost
			cert := openKeystore(t, v)
			ssl := v.SecurityData.SelfSignedSSL
			if ssl.Alias != tt.alias {
				t.Fatalf("alias %q, want %q", ssl.Alias, tt.alias)
			}
			p12, _ := base64.StdEncoding.DecodeString(ssl.PKCS12)
			keyID := sha1.Sum(cert.Raw)

			// go-pkcs12 reads the bags' attributes.
			blocks, err := pkcs12.ToPEM(p12, ssl.Password)
			if err != nil {
				t.Fatalf("bags of the keystore: %v", err)
			}
			var types []string
			for _, b := range blocks {
				types = append(types, b.Type)
				if b.Headers["friendlyName"] != tt.alias || b.Headers["localKeyId"] != hex.EncodeToString(keyID[:]) {
					t.Errorf("%s bag attributes %v, want friendlyName %q and localKeyId %x", b.Type, b.Headers, tt.alias, keyID)
				}
			}
			if slices.Sort(types); !slices.Equal(types, []string{"CERTIFICATE", "PRIVATE KEY"}) {
				t.Errorf("bags %v, want one certificate and one private key", types)
			}

			dir := t.TempDir()
			ks := filepath.Join(dir, "host.p12")
			if err := os.WriteFile(ks, p12, 0o600); err != nil {
				t.Fatal(err)
			}
			// The password goes by environment, not on a command line; a
			// UTF-8 locale lets Java read it and the alias as the seed's
			// clients would.
			env := append(os.Environ(), "LC_ALL=C.UTF-8", "P12_PASS="+ssl.Password)
			run := func(name string, args ...string) string {
				t.Helper()
				c := exec.CommandContext(t.Context(), name, args...)
				c.Env = env
				out, err := c.CombinedOutput()
				if err != nil {
					t.Fatalf("%s %s: %v\n%s", filepath.Base(name), args[0], err, out)
				}
				return string(out)
			}

			// Java's PKCS12 aliases are case-insensitive: keytool lists them
			// in lower case and finds them in any case.
			list := run(keytool, "-list", "-v", "-storetype", "PKCS12", "-keystore", ks, "-storepass:env", "P12_PASS")
			for _, want := range []string{"Your keystore contains 1 entry", "Alias name: " + strings.ToLower(tt.alias) + "\n", "Entry type: PrivateKeyEntry"} {
				if !strings.Contains(list, want) {
					t.Errorf("keytool -list lacks %q:\n%s", want, list)
				}
			}

			exported := filepath.Join(dir, "exported.der")
			run(keytool, "-exportcert", "-alias", tt.alias, "-storetype", "PKCS12", "-keystore", ks, "-storepass:env", "P12_PASS", "-file", exported)
			if der, err := os.ReadFile(exported); err != nil || !bytes.Equal(der, cert.Raw) {
				t.Errorf("keytool -exportcert -alias %q did not give the certificate (%v)", tt.alias, err)
			}

			copied := filepath.Join(dir, "copied.p12")
			run(keytool, "-importkeystore", "-noprompt", "-srcstoretype", "PKCS12", "-srckeystore", ks, "-srcstorepass:env", "P12_PASS",
				"-srcalias", tt.alias, "-deststoretype", "PKCS12", "-destkeystore", copied, "-deststorepass:env", "P12_PASS")
			javaP12, err := os.ReadFile(copied)
			if err != nil {
				t.Fatal(err)
			}
			javaKey, javaCert, err := pkcs12.Decode(javaP12, ssl.Password)
			if err != nil {
				t.Fatalf("the keystore keytool copied the entry to: %v", err)
			}
			if !bytes.Equal(javaCert.Raw, cert.Raw) || !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(javaKey.(crypto.Signer).Public()) {
				t.Error("the entry keytool read by alias and password is not the host's key and certificate")
			}

			info := run(openssl, "pkcs12", "-info", "-nodes", "-in", ks, "-passin", "env:P12_PASS")
			// OpenSSL 3.0 prints a BMPString by the low byte of each
			// character (Latin-1 here), later versions as UTF-8.
			if latin1 := lowBytes(tt.alias); latin1 != tt.alias {
				info = strings.ReplaceAll(info, "friendlyName: "+latin1+"\n", "friendlyName: "+tt.alias+"\n")
			}
			spaced := strings.ToUpper(hex.EncodeToString(keyID[:1]))
			for _, b := range keyID[1:] {
				spaced += " " + strings.ToUpper(hex.EncodeToString([]byte{b}))
			}
			for want, n := range map[string]int{"friendlyName: " + tt.alias + "\n": 2, "localKeyID: " + spaced: 2,
				"-----BEGIN PRIVATE KEY-----": 1, "-----BEGIN CERTIFICATE-----": 1, "MAC: sha256": 1} {
				if got := strings.Count(info, want); got != n {
					t.Errorf("openssl pkcs12 -info shows %q %d times, want %d:\n%s", want, got, n, info)
				}
			}
		})
	}
}

// lowBytes is s as OpenSSL 3.0 prints a BMPString: the low byte of each
// UCS-2 character.
func lowBytes(s string) string {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r))
	}
	return string(b)
}

// lookTool finds a command the tests run; .ci/run installs them.
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not on PATH: the keystore tests run the JDK's keytool and OpenSSL 3 (.ci/run installs default-jre-headless and openssl): %v", name, err)
	}
	return path
}
