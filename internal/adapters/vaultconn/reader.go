package vaultconn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/valyala/fasthttp"
	"golang.org/x/net/http/httpproxy"

	"github.com/hypo-registry/registry/handlers"
)

// maxAnswer bounds a GET's answer: Vault's own default bound on a request
// (max_request_size) is 32 MiB, and a LIST of a large folder stays far below.
const maxAnswer = 32 << 20

// Reader makes GETs to Vault (reads and lists, the hot path) on
// fasthttp's client, which writes the request and reads the answer in the
// calling goroutine, over pooled connections and pooled buffers. Against a
// net/http client and its two goroutines per connection this halves the
// CPU and the allocations of a read here (BenchmarkRead in
// internal/adapters/secrets/vault). It shares its client's guard: the same
// timeout, and the same hold-off after a request went unanswered.
type Reader struct {
	base   string // scheme://host[:port], no trailing slash
	client *fasthttp.HostClient
	guard  *guard
}

// newReader returns a Reader for o.Addr, or nil when the environment names
// a proxy for it (the client's net/http transport honours HTTPS_PROXY,
// HTTP_PROXY and NO_PROXY; fasthttp does not, and a request must not skip
// the proxy an operator configured).
func newReader(o Options, g *guard) (*Reader, error) {
	u, err := url.Parse(o.Addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: vault address %q is not an http(s) URL", handlers.ErrInvalid, o.Addr)
	}
	if proxy, err := httpproxy.FromEnvironment().ProxyFunc()(u); err != nil || proxy != nil {
		return nil, nil
	}
	tlsConf, err := tlsConfig(o)
	if err != nil {
		return nil, err
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	conns, timeout := o.pooled(), o.Timeout
	return &Reader{
		base:  u.Scheme + "://" + u.Host,
		guard: g,
		client: &fasthttp.HostClient{
			Addr: addr, IsTLS: u.Scheme == "https", TLSConfig: tlsConf,
			Dial: func(addr string) (net.Conn, error) { return fasthttp.DialTimeout(addr, timeout) },
			// Requests beyond the pool wait for a connection, within the
			// request's own deadline.
			MaxConns: conns, MaxConnWaitTimeout: timeout,
			MaxIdleConnDuration: 30 * time.Second,
			// One more attempt, for a kept-alive connection Vault closed
			// in the meantime, as net/http retries one; never more.
			MaxIdemponentCallAttempts: 2,
			MaxResponseBodySize:       maxAnswer,
			// The path is the storage path exactly as built.
			DisablePathNormalizing:   true,
			NoDefaultUserAgentHeader: true,
			// fasthttp's errors may otherwise quote the bytes of an answer
			// it could not parse: a secret must never reach an error.
			SecureErrorLogMessage: true,
		},
	}, nil
}

// Get sends GET base+uri (uri starts with "/v1/") with token in
// X-Vault-Token and X-Vault-Request (as the API client sends), bounded by the Reader's timeout and ctx's deadline, and
// hands Vault's answer to answer: its status and its body, which is valid
// only during the call. A request that got no answer (refused, reset,
// timed out, held off) is ErrUnavailable (NoAnswer), a StallError when the
// timeout ran out.
func (r *Reader) Get(ctx context.Context, uri, token string, answer func(status int, body []byte) error) error {
	g := r.guard
	if err := g.heldOff(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return NoAnswer(context.Cause(ctx))
	}
	start := time.Now()
	deadline, own := start.Add(g.timeout), true
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, own = d, false
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(r.base + uri)
	req.Header.Set(api.AuthHeaderName, token)
	req.Header.Set(api.RequestHeaderName, "true")
	if err := r.client.DoDeadline(req, resp, deadline); err != nil {
		if !errors.Is(err, fasthttp.ErrTimeout) {
			return NoAnswer(err)
		}
		// As the guard: Vault left the request unanswered for the whole
		// timeout (ours ran out, or the caller's, set to the same, at about
		// the same time). A caller's own shorter deadline is no stall.
		if own || time.Since(start) >= g.timeout*9/10 {
			return g.stall()
		}
		return NoAnswer(fmt.Errorf("%w: %w", context.DeadlineExceeded, err))
	}
	return answer(resp.StatusCode(), resp.Body())
}
