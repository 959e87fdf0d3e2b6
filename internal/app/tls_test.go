package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/testkit"
)

// pki is a test CA issuing server and client certificates.
type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pki{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a leaf certificate for cn (a server for localhost when
// server is true, else a client) and returns it as PEM cert and key.
func (ca *pki) issue(t *testing.T, cn string, server bool) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.DNSNames, tmpl.IPAddresses = []string{"localhost"}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startTLS runs a registry with tlsCfg and returns its base URL.
func startTLS(t *testing.T, tlsCfg app.TLSConfig) string {
	t.Helper()
	svc := testkit.StartTLSService(t, tlsCfg)
	if !strings.HasPrefix(svc.BaseURL(), "https://") {
		t.Fatalf("BaseURL %s is not https", svc.BaseURL())
	}
	return svc.BaseURL()
}

func client(roots *x509.CertPool, certs ...tls.Certificate) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, Certificates: certs},
		ForceAttemptHTTP2: true,
	}}
}

// waitHealthy polls /healthz through c until it answers.
func waitHealthy(t *testing.T, c *http.Client, base string) *http.Response {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not reachable over TLS: %v", base, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestTLSListener(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newCA(t, "test ca")
	certPEM, keyPEM := ca.issue(t, "registry", true)
	base := startTLS(t, app.TLSConfig{
		CertFile: writeFile(t, dir, "tls.crt", certPEM), KeyFile: writeFile(t, dir, "tls.key", keyPEM),
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)

	resp := waitHealthy(t, client(roots), base)
	if resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %v, want TLS 1.3", resp.TLS)
	}
	if resp.ProtoMajor != 2 {
		t.Errorf("protocol %s, want HTTP/2 over TLS", resp.Proto)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); !strings.Contains(got, "max-age=") {
		t.Errorf("HSTS header %q", got)
	}

	// A TLS 1.2 client is served; TLS 1.1 is refused.
	tls12 := client(roots)
	tls12.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS12
	if resp, err := tls12.Get(base + "/healthz"); err != nil || resp.TLS.Version != tls.VersionTLS12 {
		t.Errorf("TLS 1.2 client: %v", err)
	} else {
		resp.Body.Close()
	}
	tls11 := client(roots)
	tls11.Transport.(*http.Transport).TLSClientConfig.MinVersion = tls.VersionTLS10
	tls11.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS11
	if resp, err := tls11.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a TLS 1.1 client was served")
	}
	// Plain HTTP on the TLS port gets no API answer.
	if resp, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/healthz"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP served: %s", body)
		}
	}
	// A client that does not trust the CA refuses the server.
	if _, err := client(x509.NewCertPool()).Get(base + "/healthz"); err == nil {
		t.Errorf("a client without the CA accepted the server")
	}
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newCA(t, "server and client ca")
	other := newCA(t, "someone else's ca")
	certPEM, keyPEM := ca.issue(t, "registry", true)
	base := startTLS(t, app.TLSConfig{
		CertFile: writeFile(t, dir, "tls.crt", certPEM), KeyFile: writeFile(t, dir, "tls.key", keyPEM),
		ClientCAFile: writeFile(t, dir, "clients.pem", ca.pem),
	})
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	pair := func(c *pki, cn string) tls.Certificate {
		cp, kp := c.issue(t, cn, false)
		cert, err := tls.X509KeyPair(cp, kp)
		if err != nil {
			t.Fatal(err)
		}
		return cert
	}
	if resp := waitHealthy(t, client(roots, pair(ca, "package-manager")), base); resp.StatusCode != http.StatusOK {
		t.Errorf("client with a certificate of the CA: %d", resp.StatusCode)
	}
	if resp, err := client(roots).Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate was served")
	}
	if resp, err := client(roots, pair(other, "intruder")).Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a client with another CA's certificate was served")
	}
}

// A rotated certificate is served without a restart.
func TestTLSCertificateRotation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ca := newCA(t, "rotating ca")
	certPEM, keyPEM := ca.issue(t, "registry-1", true)
	certFile, keyFile := writeFile(t, dir, "tls.crt", certPEM), writeFile(t, dir, "tls.key", keyPEM)
	base := startTLS(t, app.TLSConfig{CertFile: certFile, KeyFile: keyFile, ReloadInterval: 10 * time.Millisecond})
	roots := x509.NewCertPool()
	roots.AddCert(ca.cert)
	servedCN := func() string {
		c := client(roots)
		c.Transport.(*http.Transport).DisableKeepAlives = true
		resp, err := c.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	waitHealthy(t, client(roots), base)
	if cn := servedCN(); cn != "registry-1" {
		t.Fatalf("served %s", cn)
	}
	certPEM, keyPEM = ca.issue(t, "registry-2", true)
	writeFile(t, dir, "tls.key", keyPEM)
	writeFile(t, dir, "tls.crt", certPEM)
	future := time.Now().Add(time.Minute) // a later mtime even on coarse clocks
	os.Chtimes(certFile, future, future)
	os.Chtimes(keyFile, future, future)
	deadline := time.Now().Add(10 * time.Second)
	for servedCN() != "registry-2" {
		if time.Now().After(deadline) {
			t.Fatal("the rotated certificate was not served within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
