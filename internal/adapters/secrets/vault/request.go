package vault

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/vaultconn"
)

// call is one Vault request: a method on a mount-relative logical path.
type call struct {
	method string
	path   string // "hypo/data/image-pull/t/n", without "/v1/"
	query  url.Values
	body   any
	// idempotent calls are retried after any transient failure; others
	// only when Vault provably did not act (see notApplied).
	idempotent bool
	// decode, when set, decodes a GET's whole 2xx answer (its "data"
	// member) in one pass: do then returns no data, unless the answer came
	// another way (a redirect followed by the API client), which the
	// caller decodes itself. It keeps nothing unless it succeeds, since a
	// failed attempt may be retried.
	decode func(body []byte) error
}

// do runs cl for caller c and returns the response's "data" field (nil for
// 204). Only ErrUnavailable is retried, at most MaxRetries times, and not
// after a timeout (ErrTimeout): a retry would wait it out again. Each
// attempt, token exchange included, is bounded by Timeout.
func (s *Store) do(ctx context.Context, c handlers.Caller, cl call) (_ json.RawMessage, err error) {
	defer func(start time.Time) { s.metrics.Observe(MetricsAdapter, start, err) }(time.Now())
	for n := 0; ; n++ {
		data, err := s.attempt(ctx, c.Token, cl)
		if err == nil || !errors.Is(err, handlers.ErrUnavailable) || errors.Is(err, handlers.ErrTimeout) ||
			n >= s.cfg.MaxRetries || ctx.Err() != nil {
			return data, err
		}
		if !cl.idempotent && !notApplied(err) {
			return data, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(backoff(n)):
		}
	}
}

// notApplied reports a failure before Vault could act on a request: no
// connection, or refused as sealed, standby, rate-limited (503, 429, 412).
// A write that timed out may have been applied: retrying it could store a
// second version, or fail its check-and-set against itself.
func notApplied(err error) bool {
	var ns notSent
	if errors.As(err, &ns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var ve *vaultError
	return errors.As(err, &ve) && (ve.status == http.StatusServiceUnavailable ||
		ve.status == http.StatusTooManyRequests || ve.status == http.StatusPreconditionFailed)
}

// notSent marks a failure before the request left: the token exchange
// failed.
type notSent struct{ error }

func (e notSent) Unwrap() error { return e.error }

// attempt sends cl with the caller's Vault token. A cached token refused
// with 403 may be stale (revoked, or Vault lost its token store): drop it and
// log in again, once.
func (s *Store) attempt(ctx context.Context, jwt string, cl call) (json.RawMessage, error) {
	// With the token cached the attempt is one request, which the Reader
	// or the client's guard bounds by Timeout itself; an exchange first
	// shares one Timeout with it.
	tok, key, cached := s.tokens.cached(jwt)
	if !cached {
		var cancel context.CancelFunc
		ctx, cancel = vaultconn.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		var err error
		if tok, cached, err = s.tokens.exchange(ctx, key, jwt, s.cfg.TokenRenewSkew, s.cfg.Timeout, s.login); err != nil {
			return nil, notSent{loginErr(err)}
		}
	}
	data, err := s.send(ctx, tok, cl)
	if cached && errors.Is(err, handlers.ErrForbidden) {
		ctx, cancel := vaultconn.WithTimeout(ctx, s.cfg.Timeout)
		defer cancel()
		s.tokens.drop(sha256.Sum256([]byte(jwt)), tok)
		if tok, _, err = s.tokens.token(ctx, jwt, s.cfg.TokenRenewSkew, s.cfg.Timeout, s.login); err != nil {
			return nil, notSent{loginErr(err)}
		}
		data, err = s.send(ctx, tok, cl)
	}
	return data, err
}

// send makes one HTTP request with token and maps its failure to a sentinel.
func (s *Store) send(ctx context.Context, token string, cl call) (json.RawMessage, error) {
	if cl.method == http.MethodGet && cl.body == nil {
		data, redirected, err := s.get(ctx, token, cl)
		if !redirected {
			return data, err
		}
	}
	return s.sendByAPI(ctx, token, cl)
}

// get is send for a GET (every read and list), made without the API
// client's request machinery (a go-retryablehttp client and request, config
// and header copies per call): on the Reader when there is one, else on
// the API client's own http.Client (its transport, timeout guard and
// connection pool). Vault's answer is mapped as the API client maps it. A
// redirect (301, 302, 307: a standby pointing at the active node) is left
// to the API client, which follows one: redirected says so.
func (s *Store) get(ctx context.Context, token string, cl call) (data json.RawMessage, redirected bool, err error) {
	uri := "/v1/" + cl.path
	if len(cl.query) > 0 {
		uri += "?" + cl.query.Encode()
	}
	if s.reader == nil {
		return s.getByHTTP(ctx, token, uri, cl.decode)
	}
	err = s.reader.Get(ctx, uri, token, func(status int, body []byte) error {
		data, redirected, err = answer(status, body, cl.decode)
		return err
	})
	return data, redirected, err
}

// answer maps Vault's answer to a GET: the "data" member of a 2xx body
// (or the body given to decode when set), nothing for 204, redirected for
// a redirect, else the error it states.
func answer(status int, body []byte, decode func([]byte) error) (data json.RawMessage, redirected bool, err error) {
	switch {
	case status == http.StatusMovedPermanently || status == http.StatusFound || status == http.StatusTemporaryRedirect:
		return nil, true, nil
	case status == http.StatusNoContent:
		return nil, false, nil
	case status < 200 || status >= 300:
		return nil, false, bodyErr(status, body)
	}
	if decode != nil {
		if err := decode(body); err != nil {
			return nil, false, fmt.Errorf("%w: decode vault response: %w", handlers.ErrUnavailable, err)
		}
		return nil, false, nil
	}
	var v struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, false, fmt.Errorf("%w: decode vault response: %w", handlers.ErrUnavailable, err)
	}
	return v.Data, false, nil
}

// getByHTTP is get on the API client's http.Client.
func (s *Store) getByHTTP(ctx context.Context, token, uri string, decode func([]byte) error) (json.RawMessage, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+uri, nil)
	if err != nil {
		return nil, false, fmt.Errorf("%w: vault request: %w", handlers.ErrInvalid, err)
	}
	req.Header = http.Header{api.AuthHeaderName: {token}, api.RequestHeaderName: {"true"}}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, false, vaultconn.NoAnswer(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, false, vaultconn.NoAnswer(err)
	}
	return answer(resp.StatusCode, body, decode)
}

// sendByAPI is send through the API client: writes, deletes, and a GET
// Vault redirected.
func (s *Store) sendByAPI(ctx context.Context, token string, cl call) (json.RawMessage, error) {
	req := s.client.NewRequest(cl.method, "/v1/"+cl.path)
	req.ClientToken = token
	if cl.query != nil {
		req.Params = cl.query
	}
	if cl.body != nil {
		if err := req.SetJSONBody(cl.body); err != nil {
			return nil, fmt.Errorf("%w: encode request: %w", handlers.ErrInvalid, err)
		}
	}
	//nolint:staticcheck // the raw request is the one way to set a per-request token
	resp, err := s.client.RawRequestWithContext(ctx, req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return nil, vaultErr(err)
	}
	if resp.StatusCode == http.StatusNoContent {
		return nil, nil
	}
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("%w: decode vault response: %w", handlers.ErrUnavailable, err)
	}
	return body.Data, nil
}

// login exchanges jwt at auth/{AuthMount}/login for a Vault token.
func (s *Store) login(ctx context.Context, jwt string) (string, time.Duration, error) {
	req := s.client.NewRequest(http.MethodPut, "/v1/auth/"+s.cfg.AuthMount+"/login")
	req.ClientToken = ""
	if err := req.SetJSONBody(map[string]string{"role": s.cfg.Role, "jwt": jwt}); err != nil {
		return "", 0, fmt.Errorf("%w: encode login: %w", handlers.ErrInvalid, err)
	}
	//nolint:staticcheck // see send
	resp, err := s.client.RawRequestWithContext(ctx, req)
	if resp != nil {
		defer resp.Body.Close()
	}
	if err != nil {
		return "", 0, vaultErr(err)
	}
	secret, err := api.ParseSecret(resp.Body)
	if err != nil || secret == nil || secret.Auth == nil || secret.Auth.ClientToken == "" {
		return "", 0, fmt.Errorf("%w: login at auth/%s returned no token", handlers.ErrUnavailable, s.cfg.AuthMount)
	}
	s.warnDefaultPolicy(secret.Auth.TokenPolicies)
	ttl := time.Duration(secret.Auth.LeaseDuration) * time.Second
	return secret.Auth.ClientToken, ttl, nil
}

// loginErr words a failed exchange. Vault refusing the JWT (expired, wrong
// audience, unknown key, no such role: any 4xx but 404, 412 and 429) is
// ErrUnauthenticated: the caller's credentials were refused, which transports
// answer with 401. A missing auth mount (404) means Vault is misconfigured or
// restarting: ErrUnavailable.
func loginErr(err error) error {
	var ve *vaultError
	if errors.As(err, &ve) {
		e := *ve
		switch {
		case e.status == http.StatusNotFound:
			e.kind = handlers.ErrUnavailable
		case e.kind != handlers.ErrUnavailable:
			e.kind = handlers.ErrUnauthenticated
		}
		return fmt.Errorf("jwt login: %w", &e)
	}
	if errors.Is(err, handlers.ErrUnavailable) {
		return fmt.Errorf("jwt login: %w", err)
	}
	return fmt.Errorf("jwt login: %w: %w", handlers.ErrUnavailable, err) // the attempt's deadline
}
