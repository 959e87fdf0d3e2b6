package vaultconn_test

import (
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
	"github.com/hypo-registry/registry/testkit"
)

// get is one Reader GET returning the status and the body.
func get(t *testing.T, r *vaultconn.Reader, uri, token string) (int, string, error) {
	t.Helper()
	var status int
	var body string
	err := r.Get(t.Context(), uri, token, func(s int, b []byte) error {
		status, body = s, string(b)
		return nil
	})
	return status, body, err
}

// TestReaderReadsVault: the Reader's GET reaches a real Vault with the
// token and hands over Vault's answer as it is, errors included.
func TestReaderReadsVault(t *testing.T) {
	t.Parallel()
	v := testkit.SharedVault(t)
	_, r, err := vaultconn.NewClientAndReader(vaultconn.Options{Addr: v.Addr, Timeout: 5 * time.Second})
	if err != nil || r == nil {
		t.Fatalf("NewClientAndReader: %v, %v", r, err)
	}
	status, body, err := get(t, r, "/v1/auth/token/lookup-self", v.RootToken)
	if err != nil || status != http.StatusOK || !strings.Contains(body, `"root"`) {
		t.Fatalf("lookup-self with the root token: %d %s, %v", status, body, err)
	}
	status, body, err = get(t, r, "/v1/auth/token/lookup-self", "not-a-token")
	if err != nil || status != http.StatusForbidden || !strings.Contains(body, "permission denied") {
		t.Fatalf("lookup-self with a bad token: %d %s, %v", status, body, err)
	}
}

// TestReaderOverTLS: the Reader trusts the CA file it is given, and only
// it.
func TestReaderOverTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Vault-Token") != "tok" || r.Header.Get("X-Vault-Request") != "true" {
			http.Error(w, `{"errors":["permission denied"]}`, http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte(`{"data":{"path":"` + r.URL.Path + `"}}`))
	}))
	t.Cleanup(srv.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	_, r, err := vaultconn.NewClientAndReader(vaultconn.Options{Addr: srv.URL, CACert: ca, Timeout: 5 * time.Second})
	if err != nil || r == nil {
		t.Fatalf("NewClientAndReader: %v, %v", r, err)
	}
	status, body, err := get(t, r, "/v1/hypo/data/image-pull/t/n", "tok")
	if err != nil || status != http.StatusOK || body != `{"data":{"path":"/v1/hypo/data/image-pull/t/n"}}` {
		t.Fatalf("GET over TLS: %d %s, %v", status, body, err)
	}

	_, untrusting, err := vaultconn.NewClientAndReader(vaultconn.Options{Addr: srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := get(t, untrusting, "/v1/hypo/data/x", "tok"); !errors.Is(err, handlers.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("GET with the system roots only: %v, want ErrUnavailable over the certificate", err)
	}
}

// TestReaderSharesTheGuard: a GET the server leaves unanswered fails at the
// timeout, and then the API client's requests are held off too (and the
// Reader's own), never sent.
func TestReaderSharesTheGuard(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Add(1)
		if r.URL.Path == "/v1/hang" {
			<-release
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	const timeout = 300 * time.Millisecond
	c, r, err := vaultconn.NewClientAndReader(vaultconn.Options{Addr: srv.URL, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, _, err = get(t, r, "/v1/hang", "tok")
	var stall *vaultconn.StallError
	if took := time.Since(start); !errors.As(err, &stall) || stall.NotSent || took < timeout || took > timeout+time.Second {
		t.Fatalf("GET left unanswered: %v after %s, want a StallError after %s", err, took, timeout)
	}
	if !errors.Is(err, handlers.ErrUnavailable) || !errors.Is(err, handlers.ErrTimeout) {
		t.Errorf("stall %v: want ErrUnavailable and ErrTimeout", err)
	}
	if _, _, err := get(t, r, "/v1/ok", "tok"); !errors.As(err, &stall) || !stall.NotSent {
		t.Errorf("Reader GET right after: %v, want held off", err)
	}
	if err := health(t.Context(), c); !errors.As(err, &stall) || !stall.NotSent {
		t.Errorf("API client request right after: %v, want held off", err)
	}
	if n := sent.Load(); n != 1 {
		t.Errorf("the server saw %d requests, want only the one left unanswered", n)
	}
	time.Sleep(vaultconn.HoldOff)
	if status, _, err := get(t, r, "/v1/ok", "tok"); err != nil || status != http.StatusOK {
		t.Errorf("GET after the hold-off: %d, %v", status, err)
	}
}

// TestReaderLeavesProxiesToTheClient: when the environment names a proxy
// for Vault's address there is no Reader, so every request goes through
// the API client, which honours the proxy; NO_PROXY for the host gives the
// Reader back.
func TestReaderLeavesProxiesToTheClient(t *testing.T) {
	t.Setenv("HTTPS_PROXY", "http://proxy.example:3128")
	t.Setenv("NO_PROXY", "")
	o := vaultconn.Options{Addr: "https://vault.example:8200", Timeout: time.Second}
	if _, r, err := vaultconn.NewClientAndReader(o); err != nil || r != nil {
		t.Errorf("with HTTPS_PROXY: reader %v, %v; want none", r, err)
	}
	t.Setenv("NO_PROXY", "vault.example")
	if _, r, err := vaultconn.NewClientAndReader(o); err != nil || r == nil {
		t.Errorf("with NO_PROXY naming Vault: reader %v, %v; want one", r, err)
	}
}

// TestReaderErrorQuotesNoAnswer: an answer the Reader cannot parse is
// ErrUnavailable, and its error quotes none of the answer's bytes (which
// could hold a secret).
func TestReaderErrorQuotesNoAnswer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = c.Read(make([]byte, 4096))
			_, _ = c.Write([]byte("garbage-s3cr3t-value\r\n\r\n{\"data\":{\"password\":\"s3cr3t\"}}"))
			c.Close()
		}
	}()
	_, r, err := vaultconn.NewClientAndReader(vaultconn.Options{Addr: "http://" + ln.Addr().String(), Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = get(t, r, "/v1/hypo/data/x", "tok")
	if !errors.Is(err, handlers.ErrUnavailable) || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("unparsable answer: %v, want ErrUnavailable quoting none of it", err)
	}
}
