package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// runHealth is `registryd health`: GET the readiness endpoint, exit 0 on
// 200 and 1 otherwise, saying why; 2 for a bad command line. A distroless
// image has no curl or shell, so this is the container's healthcheck.
//
// The default URL is the running registryd's, from the same environment:
// REGISTRY_HTTP_ADDR on loopback (a wildcard host becomes 127.0.0.1), over
// HTTPS when REGISTRY_TLS_CERT_FILE is set. Over HTTPS the server must
// present exactly the certificate in REGISTRY_TLS_CERT_FILE: the name in a
// certificate is the service's, never 127.0.0.1, so instead of skipping
// verification the check pins the certificate the registry serves. With
// mutual TLS (REGISTRY_TLS_CLIENT_CA_FILE) it presents the same
// certificate and key as its client certificate, which the client CA must
// then accept.
func runHealth(args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	get := func(key string) string {
		v, _ := lookup(key)
		return strings.TrimSpace(v)
	}
	certFile, keyFile := get("REGISTRY_TLS_CERT_FILE"), get("REGISTRY_TLS_KEY_FILE")
	fs := flag.NewFlagSet("registryd health", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	target := fs.String("url", healthURL(get("REGISTRY_HTTP_ADDR"), certFile != ""), "readiness URL to GET")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, "Usage: registryd health [--url URL] [--timeout 5s]")
			fmt.Fprintln(stdout, "\nGETs the readiness endpoint; exit 0 on 200, 1 otherwise. The default URL is this")
			fmt.Fprintln(stdout, "environment's registryd (REGISTRY_HTTP_ADDR, HTTPS with REGISTRY_TLS_CERT_FILE, whose")
			fmt.Fprintln(stdout, "certificate the server must present).")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		fmt.Fprintf(stderr, "registryd health: %v\nRun registryd health --help for usage.\n", err)
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "registryd health: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.Proxy = nil // the registry is local: never ask a proxy
	// HTTP/1.1 only: one GET needs no HTTP/2, and over HTTP/2 a client
	// certificate the server refuses surfaces as "client conn could not
	// be established" instead of the TLS alert that says why.
	transport.ForceAttemptHTTP2 = false
	transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if certFile != "" && strings.HasPrefix(*target, "https:") {
		tc, err := pinnedTLS(certFile, keyFile, get("REGISTRY_TLS_CLIENT_CA_FILE") != "")
		if err != nil {
			fmt.Fprintf(stderr, "registryd health: %v\n", err)
			return 1
		}
		transport.TLSClientConfig = tc
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "registryd health: --url %q: %v\n", *target, err)
		return 2
	}
	resp, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "registryd health: not ready: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "registryd health: not ready: GET %s: %s: %s\n", *target, resp.Status, bytes.TrimSpace(body))
		return 1
	}
	fmt.Fprintf(stdout, "ready: GET %s: %s\n", *target, resp.Status)
	return 0
}

// healthURL is the readiness URL of a registryd listening on addr
// (REGISTRY_HTTP_ADDR, default :8091), from the same host.
func healthURL(addr string, tls bool) string {
	if addr == "" {
		addr = ":8091"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "8091"
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/readyz"
}

// pinnedTLS accepts only the server certificate in certFile (its first
// PEM certificate, the leaf), whatever name it is for; withClient presents
// certFile and keyFile as the client certificate too.
func pinnedTLS(certFile, keyFile string, withClient bool) (*tls.Config, error) {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("REGISTRY_TLS_CERT_FILE: %w", err)
	}
	var leaf []byte
	for rest := data; leaf == nil; {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return nil, fmt.Errorf("REGISTRY_TLS_CERT_FILE %s: no PEM certificate in it", certFile)
		}
		if block.Type == "CERTIFICATE" {
			leaf = block.Bytes
		}
	}
	tc := &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain and name checks are replaced, not dropped: the
		// certificate must be byte for byte the one the registry was
		// given, which no other server holds the key of. During a
		// rotation the file may be ahead of the server by one reload
		// interval; a healthcheck's retries cover it.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			if len(raw) == 0 || !bytes.Equal(raw[0], leaf) {
				return fmt.Errorf("the server's certificate is not the one in REGISTRY_TLS_CERT_FILE %s", certFile)
			}
			return nil
		},
	}
	if withClient {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("mutual TLS: the registry's certificate as client certificate: %w", err)
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	return tc, nil
}
