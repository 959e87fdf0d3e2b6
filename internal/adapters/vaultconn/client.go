// Package vaultconn is the connection to Vault both Vault adapters share
// (vaultstore, vaultidentity): a client built from its options alone, which
// never retries or follows redirects by itself, bounds every request by one
// timeout, and fails fast for a moment after Vault left a request unanswered
// that long. A hung Vault thus costs a command one timeout, not one per
// retry or per Vault request the command makes.
package vaultconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
)

// Options configure a client. The adapters' configurations validate them.
type Options struct {
	Addr string // Vault's base URL
	// CACert is a PEM file of the CAs that sign Vault's certificate; empty
	// uses the system roots.
	CACert string
	// Timeout bounds every request, connection included; must be positive.
	Timeout time.Duration
	// Token is sent with every request that sets none of its own; empty
	// sends none.
	Token string
	// MaxIdleConnsPerHost is how many kept-alive connections to Vault are
	// pooled; 0 means 16.
	MaxIdleConnsPerHost int
	// Observe, when set, is told of every HTTP request to Vault: when it
	// began, and its response or error (metrics).
	Observe func(start time.Time, resp *http.Response, err error)
}

// NewClient builds a client from o alone: no VAULT_* environment variable
// (token, namespace, headers, skip-verify, retries) reaches it.
func NewClient(o Options) (*api.Client, error) {
	client, _, err := newClient(o)
	return client, err
}

// NewClientAndReader is NewClient with a Reader for the client's GETs that
// shares its timeout and hold-off: a request one of them left unanswered
// holds the other's requests off too. The Reader is nil when the
// environment sends requests to Vault through a proxy (HTTPS_PROXY and the
// like), which only the client honours.
func NewClientAndReader(o Options) (*api.Client, *Reader, error) {
	client, g, err := newClient(o)
	if err != nil {
		return nil, nil, err
	}
	r, err := newReader(o, g)
	if err != nil {
		return nil, nil, err
	}
	return client, r, nil
}

func newClient(o Options) (*api.Client, *guard, error) {
	if o.Timeout <= 0 {
		return nil, nil, fmt.Errorf("%w: vault timeout %s is not positive", handlers.ErrInvalid, o.Timeout)
	}
	tlsConf, err := tlsConfig(o)
	if err != nil {
		return nil, nil, err
	}
	transport := cleanhttp.DefaultPooledTransport()
	transport.DialContext = (&net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSClientConfig = tlsConf
	transport.TLSHandshakeTimeout = o.Timeout
	transport.MaxIdleConnsPerHost = o.pooled()
	g := newGuard(transport, o.Timeout)
	var rt http.RoundTripper = g
	if o.Observe != nil {
		rt = observed{next: rt, observe: o.Observe}
	}
	httpClient := &http.Client{
		Transport:     rt,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// Timeout 0: the guard bounds each request, and tells a timeout of its
	// own from a caller giving up. No retries: retry is the caller's; and
	// a retry policy that says no without an error of its own leaves the
	// request's error as it was.
	client, err := api.NewClient(&api.Config{
		Address: o.Addr, HttpClient: httpClient, Timeout: 0, MaxRetries: 0,
		CheckRetry: func(context.Context, *http.Response, error) (bool, error) { return false, nil },
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: vault client for %s: %w", handlers.ErrInvalid, o.Addr, err)
	}
	// api.NewClient picks these up from the environment: undo it.
	client.ClearToken()
	if o.Token != "" {
		client.SetToken(o.Token)
	}
	client.ClearNamespace()
	client.SetHeaders(http.Header{api.RequestHeaderName: []string{"true"}})
	return client, g, nil
}

// pooled is how many connections to Vault are kept: MaxIdleConnsPerHost,
// 16 when unset.
func (o Options) pooled() int {
	if o.MaxIdleConnsPerHost == 0 {
		return 16
	}
	return o.MaxIdleConnsPerHost
}

// tlsConfig is TLS 1.2 or later, trusting o.CACert's CAs if given, else
// the system's.
func tlsConfig(o Options) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if o.CACert == "" {
		return conf, nil
	}
	pem, err := os.ReadFile(o.CACert)
	if err != nil {
		return nil, fmt.Errorf("%w: CA certificate: %w", handlers.ErrInvalid, err)
	}
	conf.RootCAs = x509.NewCertPool()
	if !conf.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: no PEM certificate in %s", handlers.ErrInvalid, o.CACert)
	}
	return conf, nil
}
