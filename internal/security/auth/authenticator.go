package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// Reasons a request's Authorization header is refused, besides the
// token's own (ErrExpired, …). ErrRepeatedHeader wraps handlers.ErrInvalid
// (the request is malformed); the others handlers.ErrUnauthenticated.
var (
	ErrNoHeader       = errors.New("no Authorization header")
	ErrRepeatedHeader = errors.New("more than one Authorization header: send one")
	ErrScheme         = errors.New("unsupported authorization scheme")
	ErrBasicRefused   = errors.New(`HTTP basic credentials are not accepted here: send "Bearer <token>"`)
	ErrBadBasic       = errors.New("malformed basic credentials")
	ErrNoToken        = errors.New("no credentials: the password must be a token from the identity provider")
)

// Scheme is how a caller presented its credential.
type Scheme string

// The schemes an Authorization header may use.
const (
	SchemeNone   Scheme = ""       // no Authorization header
	SchemeBearer Scheme = "Bearer" // "Bearer <jwt>"
	SchemeBasic  Scheme = "Basic"  // HTTP basic
	SchemeRaw    Scheme = "raw"    // the bare JWT, as some Kafka producers send it
)

// BasicMode is what HTTP basic credentials mean at an entry point.
type BasicMode int

const (
	// BasicRefused refuses them (ErrBasicRefused).
	BasicRefused BasicMode = iota
	// BasicExchange exchanges them for a token at the issuer, as client
	// credentials or a user's password (REGISTRY_AUTH_BASIC_GRANT), on REST
	// with REGISTRY_AUTH_BASIC (seed 002).
	BasicExchange
	// BasicPassword takes the password as the token, as docker login sends
	// it; a password that is not a JWT is exchanged like BasicExchange when
	// an Exchanger is set (/token).
	BasicPassword
)

// Exchanger turns basic credentials into a token (*BasicExchanger).
type Exchanger interface {
	Token(ctx context.Context, id, secret string) (string, error)
}

// TokenVerifier verifies a JWT (*Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (Principal, error)
}

// unverifiedDecoder reads a JWT's claims without verifying it (*Verifier).
type unverifiedDecoder interface {
	DecodeUnverified(raw string) (Principal, error)
}

// Options say what an entry point accepts. "Bearer <jwt>" is always
// accepted, and more than one Authorization header never is: which of two
// a proxy or a library reads differs.
type Options struct {
	Basic BasicMode
	// Exchanger is required by BasicExchange, optional with BasicPassword.
	Exchanger Exchanger
	// Raw accepts the bare token without a scheme (the Kafka southbound).
	Raw bool
	// Unverified reads the token's claims without verifying them
	// (DecodeUnverified): only in front of a store that validates the
	// token itself (Vault's JWT login, seed 000's Kafka listeners).
	Unverified bool
}

// Authenticator is the one place an Authorization header is read and its
// token verified, for every entry point (REST, the Kafka southbound,
// /token). Every refusal wraps handlers.ErrUnauthenticated and names the
// reason, never the credential; an unreachable issuer is
// handlers.ErrUnavailable.
type Authenticator struct {
	verifier TokenVerifier
	decoder  unverifiedDecoder
	opts     Options
}

// NewAuthenticator refuses a nil verifier, BasicExchange without an
// exchanger, and Unverified with a verifier that cannot decode.
func NewAuthenticator(v TokenVerifier, opts Options) (*Authenticator, error) {
	if v == nil {
		return nil, errors.New("authenticator: a token verifier is required")
	}
	if opts.Basic == BasicExchange && opts.Exchanger == nil {
		return nil, errors.New("authenticator: exchanging basic credentials needs an exchanger")
	}
	a := &Authenticator{verifier: v, opts: opts}
	if opts.Unverified {
		d, ok := v.(unverifiedDecoder)
		if !ok {
			return nil, errors.New("authenticator: this verifier cannot read unverified tokens")
		}
		a.decoder = d
	}
	return a, nil
}

// Credential is what an Authorization header presented. It holds a
// secret: LogValue names its scheme only.
type Credential struct {
	Scheme Scheme
	token  string
	id     string
	secret string
}

// LogValue keeps the credential out of every log line.
func (c Credential) LogValue() slog.Value { return slog.StringValue(string(c.Scheme)) }

// Authenticate verifies the caller presenting values, every value of the
// request's Authorization header (a blank one counts as none).
func (a *Authenticator) Authenticate(ctx context.Context, values []string) (Principal, error) {
	c, err := a.Parse(values)
	if err != nil {
		return Principal{}, err
	}
	return a.Verify(ctx, c)
}

// Parse reads the credential from values without verifying it; a request
// without one is SchemeNone, refused by Verify.
func (a *Authenticator) Parse(values []string) (Credential, error) {
	if len(values) > 1 {
		return Credential{}, fmt.Errorf("%w: %w", handlers.ErrInvalid, ErrRepeatedHeader)
	}
	header := ""
	if len(values) == 1 {
		header = strings.TrimSpace(values[0])
	}
	if header == "" {
		return Credential{Scheme: SchemeNone}, nil
	}
	scheme, _, spaced := strings.Cut(header, " ")
	if !spaced && strings.ContainsAny(header, "\t") {
		scheme, spaced = "", true
	}
	switch {
	case !spaced && a.opts.Raw:
		return Credential{Scheme: SchemeRaw, token: header}, nil
	case strings.EqualFold(scheme, "Bearer"):
		tok, err := BearerToken(header)
		if err != nil {
			return Credential{}, normalize(err)
		}
		return Credential{Scheme: SchemeBearer, token: tok}, nil
	case strings.EqualFold(scheme, "Basic") && a.opts.Basic != BasicRefused:
		id, secret, ok := parseBasic(header)
		if !ok {
			return Credential{}, unauthenticated(ErrBadBasic)
		}
		return Credential{Scheme: SchemeBasic, id: id, secret: secret}, nil
	case strings.EqualFold(scheme, "Basic"):
		return Credential{}, unauthenticated(ErrBasicRefused)
	}
	return Credential{}, unauthenticated(fmt.Errorf("%w: send %s", ErrScheme, a.accepted()))
}

// accepted names the schemes accepted, for a refusal.
func (a *Authenticator) accepted() string {
	if a.opts.Basic != BasicRefused {
		return `"Bearer <token>" or "Basic <credentials>"`
	}
	return `"Bearer <token>"`
}

// Verify exchanges basic credentials as the options say and verifies the
// token.
func (a *Authenticator) Verify(ctx context.Context, c Credential) (Principal, error) {
	switch c.Scheme {
	case SchemeNone:
		return Principal{}, unauthenticated(ErrNoHeader)
	case SchemeBasic:
		tok, err := a.exchange(ctx, c)
		if err != nil {
			return Principal{}, err
		}
		return a.VerifyToken(ctx, tok)
	}
	return a.VerifyToken(ctx, c.token)
}

// exchange turns basic credentials into a token.
func (a *Authenticator) exchange(ctx context.Context, c Credential) (string, error) {
	if a.opts.Basic == BasicPassword {
		if c.secret == "" {
			return "", unauthenticated(ErrNoToken)
		}
		if a.opts.Exchanger == nil || looksLikeJWT(c.secret) {
			return c.secret, nil // a JWT as the password
		}
	}
	tok, err := a.opts.Exchanger.Token(ctx, c.id, c.secret)
	if err != nil {
		return "", normalize(err)
	}
	return tok, nil
}

// looksLikeJWT tells a JWT pasted as the password from a password: three
// dot-separated parts, the first the base64url of a JSON object (the JOSE
// header). A user's password with two dots in it is still exchanged.
func looksLikeJWT(s string) bool {
	header, rest, ok := strings.Cut(s, ".")
	if !ok || strings.Count(rest, ".") != 1 || len(header) > maxTokenBytes {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	return err == nil && len(raw) > 0 && raw[0] == '{'
}

// VerifyToken verifies raw (or only decodes it, with Options.Unverified).
func (a *Authenticator) VerifyToken(ctx context.Context, raw string) (Principal, error) {
	var (
		p   Principal
		err error
	)
	if a.decoder != nil {
		p, err = a.decoder.DecodeUnverified(raw)
	} else {
		p, err = a.verifier.Verify(ctx, raw)
	}
	if err != nil {
		return Principal{}, normalize(err)
	}
	return p, nil
}
