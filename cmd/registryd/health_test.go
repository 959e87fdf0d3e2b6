package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

func health(t *testing.T, vars map[string]string, args ...string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	code := runHealth(args, env(vars), &out, &out)
	return code, out.String()
}

// registryd health against a real registry: 0 when it is ready, found
// from REGISTRY_HTTP_ADDR or --url; 1 for a closed port, saying why.
func TestHealthOfARunningRegistry(t *testing.T) {
	t.Parallel()
	reg := testkit.StartRegistry(t)
	u, _ := url.Parse(reg.URL)
	if code, out := health(t, map[string]string{"REGISTRY_HTTP_ADDR": ":" + u.Port()}); code != 0 || !strings.Contains(out, "200") {
		t.Errorf("health from REGISTRY_HTTP_ADDR: exit %d, %q; want 0", code, out)
	}
	if code, out := health(t, nil, "--url", reg.URL+"/readyz"); code != 0 {
		t.Errorf("health --url: exit %d, %q; want 0", code, out)
	}

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	code, out := health(t, map[string]string{"REGISTRY_HTTP_ADDR": addr})
	if code != 1 || !strings.Contains(out, "connection refused") {
		t.Errorf("health of a closed port: exit %d, %q; want 1 and why", code, out)
	}
	// Not ready is 1 too, with the status: a route that is not 200.
	if code, out := health(t, nil, "--url", reg.URL+"/no-such-route"); code != 1 || !strings.Contains(out, "404") {
		t.Errorf("health of a 404: exit %d, %q; want 1 naming the status", code, out)
	}
	if code, out := health(t, nil, "--bogus"); code != 2 || !strings.Contains(out, "-bogus") {
		t.Errorf("health --bogus: exit %d, %q; want 2", code, out)
	}
	if code, out := health(t, nil, "--help"); code != 0 || !strings.Contains(out, "-url") {
		t.Errorf("health --help: exit %d, %q; want 0 and the flags", code, out)
	}
}

func TestHealthURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"":               "http://127.0.0.1:8091/readyz",
		":9000":          "http://127.0.0.1:9000/readyz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/readyz",
		"[::]:9000":      "http://[::1]:9000/readyz",
		"10.0.0.5:9000":  "http://10.0.0.5:9000/readyz",
		"localhost:8443": "http://localhost:8443/readyz",
	} {
		if got := healthURL(addr, false); got != want {
			t.Errorf("healthURL(%q) = %s, want %s", addr, got, want)
		}
	}
	if got := healthURL(":8443", true); got != "https://127.0.0.1:8443/readyz" {
		t.Errorf("with TLS: %s", got)
	}
}

// Over HTTPS the check accepts the certificate in REGISTRY_TLS_CERT_FILE,
// although it names registry.example.com, not 127.0.0.1, and refuses a
// server presenting any other.
func TestHealthOverTLSPinsTheServerCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir, "server")
	otherCert, otherKey := selfSigned(t, dir, "other")
	addr := startTLSRegistry(t, app.TLSConfig{CertFile: certFile, KeyFile: keyFile})
	vars := map[string]string{"REGISTRY_HTTP_ADDR": addr, "REGISTRY_TLS_CERT_FILE": certFile, "REGISTRY_TLS_KEY_FILE": keyFile}
	if code, out := healthWithin(t, vars); code != 0 || !strings.Contains(out, "https://127.0.0.1:") {
		t.Fatalf("health over TLS: exit %d, %q; want 0", code, out)
	}
	vars["REGISTRY_TLS_CERT_FILE"], vars["REGISTRY_TLS_KEY_FILE"] = otherCert, otherKey
	if code, out := health(t, vars); code != 1 || !strings.Contains(out, "not the one in REGISTRY_TLS_CERT_FILE") {
		t.Errorf("health expecting another certificate: exit %d, %q; want 1 and why", code, out)
	}
}

// With mutual TLS the check presents the registry's own certificate as
// its client certificate: accepted when the client CA signed it (here it
// is its own CA), refused otherwise.
func TestHealthOverMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir, "server")
	otherCA, _ := selfSigned(t, dir, "other")
	vars := map[string]string{"REGISTRY_TLS_CERT_FILE": certFile, "REGISTRY_TLS_KEY_FILE": keyFile, "REGISTRY_TLS_CLIENT_CA_FILE": certFile}
	vars["REGISTRY_HTTP_ADDR"] = startTLSRegistry(t, app.TLSConfig{CertFile: certFile, KeyFile: keyFile, ClientCAFile: certFile})
	if code, out := healthWithin(t, vars); code != 0 {
		t.Errorf("health over mutual TLS: exit %d, %q; want 0", code, out)
	}
	vars["REGISTRY_HTTP_ADDR"] = startTLSRegistry(t, app.TLSConfig{CertFile: certFile, KeyFile: keyFile, ClientCAFile: otherCA})
	if code, out := health(t, vars); code != 1 || !strings.Contains(out, "tls: ") {
		t.Errorf("health with a client certificate the CA did not sign: exit %d, %q; want 1, a TLS refusal", code, out)
	}
}

// healthWithin runs the check until it passes, for at most 10s: the
// registry may still be starting.
func healthWithin(t *testing.T, vars map[string]string) (int, string) {
	t.Helper()
	code, out := health(t, vars)
	for deadline := time.Now().Add(10 * time.Second); code != 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		code, out = health(t, vars)
	}
	return code, out
}

// startTLSRegistry runs a registry serving HTTPS with tlsCfg and returns
// its listen address.
func startTLSRegistry(t *testing.T, tlsCfg app.TLSConfig) string {
	t.Helper()
	return testkit.StartTLSService(t, tlsCfg).Addr()
}

// selfSigned writes a self-signed server (and client) certificate for
// registry.example.com and its key to dir.
func selfSigned(t *testing.T, dir, name string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "registry.example.com"},
		DNSNames:  []string{"registry.example.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
