package vhost

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
	"unicode"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// PluginSelfSignedSSL is the one security plugin (seed 004).
const PluginSelfSignedSSL = "SelfSignedSSL"

// SelfSignedSSL defaults (seed 004).
const (
	DefaultDName    = "CN=apache, OU=yarn, O=registry"
	DefaultAlias    = "selfsigned"
	DefaultValidity = 730 // days
	// MaxValidity bounds the validity, in days (about 100 years).
	MaxValidity = 36500
)

// Key algorithms of the generated key pair.
const (
	KeyRSA2048   = "rsa-2048"
	KeyECDSAP256 = "ecdsa-p256"
)

// SSLConfig is the SelfSignedSSL entry of a new host's securityData.
// Password is a credential: it goes to the keystore and the secret store
// only.
type SSLConfig struct {
	DName    string `json:"dname,omitempty"`
	Alias    string `json:"alias,omitempty"`
	Password string `json:"password,omitempty"`
	Validity int    `json:"validity,omitempty"`
}

// parseSecurityData reads securityData: no entry (or none at all) is an
// insecure host; SelfSignedSSL is the one plugin; anything else is invalid.
func parseSecurityData(data map[string]json.RawMessage) (*SSLConfig, error) {
	var ssl *SSLConfig
	for name, raw := range data {
		if name != PluginSelfSignedSSL {
			return nil, fmt.Errorf("%w: unknown security plugin %q (known: %s)", handlers.ErrInvalid, secretpath.Printable(name), PluginSelfSignedSSL)
		}
		cfg := SSLConfig{}
		if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&cfg); err != nil {
				return nil, fmt.Errorf("%w: %s must be an object of dname, alias, password and validity", handlers.ErrInvalid, PluginSelfSignedSSL)
			}
		}
		ssl = &cfg
	}
	if ssl == nil {
		return nil, nil
	}
	return ssl, ssl.withDefaults().check()
}

func (c SSLConfig) withDefaults() SSLConfig {
	if c.DName == "" {
		c.DName = DefaultDName
	}
	if c.Alias == "" {
		c.Alias = DefaultAlias
	}
	if c.Validity == 0 {
		c.Validity = DefaultValidity
	}
	return c
}

// check validates c after defaults. Errors never quote the password.
func (c SSLConfig) check() error {
	if c.Validity < 1 || c.Validity > MaxValidity {
		return fmt.Errorf("%w: %s validity must be 1 to %d days", handlers.ErrInvalid, PluginSelfSignedSSL, MaxValidity)
	}
	// PKCS#12 encodes the alias (friendlyName) as BMPString: no character
	// beyond U+FFFF.
	if len(c.Alias) > 128 || !allPrint(c.Alias) || !bmpOnly(c.Alias) {
		return fmt.Errorf("%w: %s alias must be at most 128 printable characters of the Basic Multilingual Plane", handlers.ErrInvalid, PluginSelfSignedSSL)
	}
	// Java opens no PKCS#12 keystore whose password is not printable ASCII
	// (its PBE keys refuse it: "Password is not ASCII").
	if len(c.Password) > 128 || !printableASCII(c.Password) {
		return fmt.Errorf("%w: %s password must be at most 128 printable ASCII characters", handlers.ErrInvalid, PluginSelfSignedSSL)
	}
	if _, err := parseDName(c.DName); err != nil {
		return err
	}
	return nil
}

// material is a secure host's private data, as kept in the secret store.
type material struct {
	Password string
	Alias    string
	PKCS12   string // Base64 of the keystore
}

const (
	keyPassword = "password"
	keyAlias    = "alias"
	keyPKCS12   = "pkcs12"
)

func (m material) data() handlers.SecretData {
	return handlers.SecretData{keyPassword: m.Password, keyAlias: m.Alias, keyPKCS12: m.PKCS12}
}

func materialOf(d handlers.SecretData) material {
	return material{Password: d[keyPassword], Alias: d[keyAlias], PKCS12: d[keyPKCS12]}
}

// generateSSL makes a key pair, a self-signed RFC 5280 certificate for it
// (subject and issuer the dname, the host's name as DNS SAN) and a PKCS#12
// keystore holding both, encrypted with the given or a random password. It
// returns the material and the certificate's PEM.
func generateSSL(cfg SSLConfig, hostName, keyAlg string, now time.Time) (material, string, error) {
	cfg = cfg.withDefaults()
	subject, err := parseDName(cfg.DName)
	if err != nil {
		return material{}, "", err
	}
	key, err := newKey(keyAlg)
	if err != nil {
		return material{}, "", err
	}
	pub := key.Public()
	spki, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return material{}, "", fmt.Errorf("self-signed certificate: %w", err)
	}
	skid := sha256.Sum256(spki) // RFC 7093 method 1: leftmost 160 bits of SHA-256
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return material{}, "", fmt.Errorf("self-signed certificate: serial: %w", err)
	}
	notBefore := now.UTC().Truncate(time.Second)
	// Like keytool's self-signed certificates: no key usage and no basic
	// constraints, so that clients pinning the certificate (curl --cacert,
	// a Java trust store) take it as its own trust anchor, while it stays
	// an end-entity certificate for those that refuse a CA as a server.
	tmpl := &x509.Certificate{
		SerialNumber: serial.Add(serial, big.NewInt(1)), // positive, at most 16 octets
		RawSubject:   subject,
		NotBefore:    notBefore,
		NotAfter:     notBefore.AddDate(0, 0, cfg.Validity),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		SubjectKeyId: skid[:20],
		DNSNames:     []string{hostName},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return material{}, "", fmt.Errorf("self-signed certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return material{}, "", fmt.Errorf("self-signed certificate: %w", err)
	}
	password := cfg.Password
	if password == "" {
		password = rand.Text()
	}
	p12, err := encodeKeystore(key, cert, cfg.Alias, password)
	if err != nil {
		return material{}, "", fmt.Errorf("pkcs12 keystore: %w", err)
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return material{Password: password, Alias: cfg.Alias, PKCS12: base64.StdEncoding.EncodeToString(p12)}, certPEM, nil
}

func newKey(alg string) (crypto.Signer, error) {
	switch alg {
	case KeyRSA2048, "":
		return rsa.GenerateKey(rand.Reader, 2048)
	case KeyECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, errors.New("self-signed certificate: unknown key algorithm " + alg)
}

func allPrint(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func bmpOnly(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return false
		}
	}
	return true
}
