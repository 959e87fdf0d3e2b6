package registrytoken_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/handlers/registrytoken"
)

// rsaKey is made once: RSA generation is slow under -race.
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

func ecKey(t testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(t *testing.T, name string, b []byte, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t *testing.T, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf("PRIVATE KEY", der)
}

func selfSigned(t *testing.T, k crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "registry-token"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func TestLoadKeyFormats(t *testing.T) {
	t.Parallel()
	rk, ek := rsaKey(), ecKey(t, elliptic.P256())
	ecDER, err := x509.MarshalECPrivateKey(ek)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(rk, selfSigned(t, rk), nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	ecPFX, err := pkcs12.Modern.Encode(ek, selfSigned(t, ek), nil, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	withCert := append(pemOf("CERTIFICATE", selfSigned(t, rk).Raw), pkcs8(t, rk)...)
	for _, tc := range []struct {
		name    string
		content []byte
		want    crypto.PublicKey
		alg     string
	}{
		{"RSA PKCS#8 PEM", pkcs8(t, rk), rk.Public(), "RS256"},
		{"RSA PKCS#1 PEM", pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), rk.Public(), "RS256"},
		{"certificate before the key", withCert, rk.Public(), "RS256"},
		{"EC PKCS#8 PEM", pkcs8(t, ek), ek.Public(), "ES256"},
		{"EC SEC 1 PEM", pemOf("EC PRIVATE KEY", ecDER), ek.Public(), "ES256"},
		{"RSA PFX", pfx, rk.Public(), "RS256"},
		{"EC PFX", ecPFX, ek.Public(), "ES256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := registrytoken.LoadKey(writeFile(t, "key", tc.content, 0o600), "pfx-pass")
			if err != nil {
				t.Fatal(err)
			}
			if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(tc.want) {
				t.Error("loaded a different key")
			}
			s, err := registrytoken.NewSigner(key, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if s.Algorithm() != tc.alg {
				t.Errorf("algorithm %s, want %s", s.Algorithm(), tc.alg)
			}
		})
	}
}

func TestLoadKeyRefusals(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rk := rsaKey()
	pfx, err := pkcs12.Modern.Encode(rk, selfSigned(t, rk), nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    string
	}{
		{"readable by others", pkcs8(t, rk), 0o644, "permissions"},
		{"garbage", []byte("not a key"), 0o600, "PFX"},
		{"certificate only", pemOf("CERTIFICATE", selfSigned(t, rk).Raw), 0o600, "no private key"},
		{"encrypted PEM", pemOf("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), 0o600, "encrypted"},
		{"RSA 1024", pkcs8(t, small), 0o600, "at least 2048"},
		{"P-384", pkcs8(t, ecKey(t, elliptic.P384())), 0o600, "P-256"},
		{"wrong PFX password", pfx, 0o600, "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := writeFile(t, "key", tc.content, tc.mode)
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			_, err := registrytoken.LoadKey(path, "wrong")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "registry-token-signing.key")
	first, err := registrytoken.LoadOrCreateKey(registrytoken.SigningConfig{Algorithm: "ES256"}, path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file: %v, %v", fi, err)
	}
	again, err := registrytoken.LoadOrCreateKey(registrytoken.SigningConfig{}, path)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Public().(*ecdsa.PublicKey).Equal(first.Public()) {
		t.Error("the kept key changed")
	}
	if _, err := registrytoken.LoadOrCreateKey(registrytoken.SigningConfig{Algorithm: "RS256"}, path); err == nil || !strings.Contains(err.Error(), "REGISTRY_TOKEN_SIGNING_ALGORITHM") {
		t.Errorf("an ES256 key configured as RS256: %v", err)
	}
}

// TestThumbprintRFC7638 checks the example of RFC 7638 section 3.1.
func TestThumbprintRFC7638(t *testing.T) {
	t.Parallel()
	n, _ := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	got, err := registrytoken.Thumbprint(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	if err != nil {
		t.Fatal(err)
	}
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint %s, want %s", got, want)
	}
}

// TestThumbprintEC: the EC thumbprint hashes the key's own point, padded
// to 32 bytes per coordinate (not the curve's base point).
func TestThumbprintEC(t *testing.T) {
	t.Parallel()
	k := ecKey(t, elliptic.P256())
	got, err := registrytoken.Thumbprint(k.Public())
	if err != nil {
		t.Fatal(err)
	}
	point, err := k.PublicKey.Bytes() // uncompressed SEC 1: 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	canonical := `{"crv":"P-256","kty":"EC","x":"` + enc(point[1:33]) + `","y":"` + enc(point[33:]) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	if want := enc(sum[:]); got != want {
		t.Errorf("thumbprint %s, want %s", got, want)
	}
}

func TestLibtrustKeyID(t *testing.T) {
	t.Parallel()
	id, err := registrytoken.LibtrustKeyID(rsaKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{4}(:[A-Z2-7]{4}){11}$`).MatchString(id) {
		t.Errorf("libtrust key id %q is not 12 groups of 4 base32 characters", id)
	}
	s, err := registrytoken.NewSigner(rsaKey(), "", registrytoken.KeyIDLibtrust)
	if err != nil || s.KID() != id {
		t.Errorf("signer kid %q, %v; want %q", s.KID(), err, id)
	}
}

func TestSignerJWKS(t *testing.T) {
	t.Parallel()
	s, err := registrytoken.NewSigner(rsaKey(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(s.JWKS(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", s.JWKS(), err)
	}
	k := set.Keys[0]
	if k["kid"] != s.KID() || k["alg"] != "RS256" || k["kty"] != "RSA" || k["use"] != "sig" || k["d"] != "" {
		t.Errorf("JWKS entry %v", k)
	}
	if fixed, _ := registrytoken.NewSigner(rsaKey(), "my-kid", ""); fixed.KID() != "my-kid" {
		t.Errorf("configured kid ignored: %s", fixed.KID())
	}
}
