// Package oidcissuer is a small OpenID Connect issuer: RSA signing keys with
// rotation, a discovery document, a JWKS and a token endpoint for the
// client-credentials, password and authorization-code (PKCE) grants, with a
// login page for the last. It is the registry's built-in dev
// issuer (registryd --dev) and the issuer every test verifies against: dex,
// hydra and Keycloak cannot run here, and a mock would prove nothing about
// the real verification path.
package oidcdev

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The console's client in registryd --dev: public (a browser app cannot
// keep a secret), PKCE, redirected to ConsoleCallbackPath on the registry's
// own address.
const (
	ConsoleClientID     = "registry-console"
	ConsoleCallbackPath = "/console/callback"
)

// ClientSpec is a client of the token endpoint: confidential (with a
// Secret, for the client-credentials grant) or Public.
type ClientSpec struct {
	Secret  string
	Subject string // "sub" of its client-credentials tokens; default: the client id
	Groups  []string
	Roles   []string
	// Public clients have no secret: they may only make password grants
	// and, with RedirectURIs, authorization-code grants.
	Public bool
	// PasswordGrant lets the client exchange a user's name and password
	// (Keycloak's "Direct access grants"); without it such requests are
	// 400 unauthorized_client.
	PasswordGrant bool
	// RedirectURIs allow the client the authorization-code grant
	// (Keycloak's "Standard flow"): a redirect_uri must equal one of them,
	// no prefix or wildcard matching.
	RedirectURIs []string
}

// UserSpec is a user of the password grant; its tokens' "sub" is the
// username.
type UserSpec struct {
	Password string
	Groups   []string
	Roles    []string
}

// Options configures an Issuer.
type Options struct {
	// Issuer is the public base URL, the "iss" of every token, e.g.
	// "http://127.0.0.1:8092". Endpoints are served under its path.
	Issuer string
	// Audience is the default "aud" of minted tokens. Required.
	Audience string
	// TTL is the default token lifetime. Default 1h.
	TTL time.Duration
	// KeyFile, if set, persists the keys (and Issuer and Audience) as a
	// DevState with 0600 permissions: a restarted issuer keeps its keys, and
	// MintFromKeyFile can mint offline.
	KeyFile string
	// Clients are the clients of the token endpoint, by client_id.
	Clients map[string]ClientSpec
	// Users are the users of the password grant and of the login page, by
	// username. A password grant names a client of Clients allowed it
	// (PasswordGrant), as Keycloak requires.
	Users map[string]UserSpec
	// Now is the issuer's clock (token times, code and login expiry).
	// Default time.Now; tests move it to expire codes.
	Now func() time.Time
}

// Validate reports every problem of o at once. Zero TTL takes its default.
func (o Options) Validate() error {
	var errs []error
	if u, err := url.Parse(o.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("Issuer %q: want an absolute http or https URL", o.Issuer))
	}
	if o.Audience == "" {
		errs = append(errs, errors.New("Audience is required"))
	}
	if o.TTL < 0 {
		errs = append(errs, fmt.Errorf("TTL %s: may not be negative", o.TTL))
	}
	for id, c := range o.Clients {
		if err := validateClient(id, c); err != nil {
			errs = append(errs, err)
		}
	}
	for name, u := range o.Users {
		if name == "" || u.Password == "" {
			errs = append(errs, fmt.Errorf("Users[%q]: username and password are required", name))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("oidcissuer options: %w", err)
	}
	return nil
}

func validateClient(id string, c ClientSpec) error {
	switch {
	case id == "":
		return errors.New("Clients: a client id is required")
	case c.Public && c.Secret != "":
		return fmt.Errorf("Clients[%q]: a public client has no secret", id)
	case c.Public && !c.PasswordGrant && len(c.RedirectURIs) == 0:
		return fmt.Errorf("Clients[%q]: a public client can only make password or authorization-code grants: set PasswordGrant or RedirectURIs", id)
	case !c.Public && c.Secret == "":
		return fmt.Errorf("Clients[%q]: a confidential client needs a secret", id)
	}
	for _, r := range c.RedirectURIs {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || strings.Contains(r, "*") {
			return fmt.Errorf("Clients[%q]: redirect URI %q: want an absolute http or https URL without fragment or wildcard", id, r)
		}
	}
	return nil
}

// Issuer signs tokens and serves the endpoints verifiers need. Safe for
// concurrent use.
type Issuer struct {
	opts Options
	mu   sync.RWMutex
	keys []*signingKey // the last one signs
	// clients is opts.Clients, copied: AddClient changes it under mu.
	clients map[string]ClientSpec
	login   *loginState
}

// New returns an issuer with one fresh key, or the keys of opts.KeyFile.
func New(opts Options) (*Issuer, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("new issuer: %w", err)
	}
	opts.Issuer = strings.TrimSuffix(opts.Issuer, "/")
	if opts.TTL == 0 {
		opts.TTL = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	i := &Issuer{opts: opts, clients: maps.Clone(opts.Clients), login: newLoginState()}
	if i.clients == nil {
		i.clients = map[string]ClientSpec{}
	}
	if opts.KeyFile != "" {
		keys, err := loadOrCreateKeys(opts)
		if err != nil {
			return nil, fmt.Errorf("new issuer: %w", err)
		}
		i.keys = keys
		return i, nil
	}
	k, err := newSigningKey()
	if err != nil {
		return nil, fmt.Errorf("new issuer: %w", err)
	}
	i.keys = []*signingKey{k}
	return i, nil
}

// AddClient registers (or replaces) a client: registryd --dev adds the
// console's once it knows the address the console is served on.
func (i *Issuer) AddClient(id string, c ClientSpec) error {
	if err := validateClient(id, c); err != nil {
		return fmt.Errorf("add client: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.clients[id] = c
	return nil
}

// clientSpec returns the client registered as id.
func (i *Issuer) clientSpec(id string) (ClientSpec, bool) {
	i.mu.RLock()
	defer i.mu.RUnlock()
	c, ok := i.clients[id]
	return c, ok
}

// IssuerURL is the "iss" of every token, without a trailing slash.
func (i *Issuer) IssuerURL() string { return i.opts.Issuer }

// SigningKey returns the key Mint uses now. Tests use it to forge tokens
// (other algorithms, tampered payloads) that the issuer would never sign.
func (i *Issuer) SigningKey() (*rsa.PrivateKey, string) {
	i.mu.RLock()
	defer i.mu.RUnlock()
	k := i.keys[len(i.keys)-1]
	return k.priv, k.kid
}

// Rotate makes a new key the signing key. Older keys stay in the JWKS so
// tokens they signed keep verifying until Retire.
func (i *Issuer) Rotate() (string, error) {
	k, err := newSigningKey()
	if err != nil {
		return "", fmt.Errorf("rotate: %w", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = append(i.keys, k)
	if err := i.persistLocked(); err != nil {
		return "", fmt.Errorf("rotate: %w", err)
	}
	return k.kid, nil
}

// Retire removes kid from the JWKS, so verifiers refuse what it signed. The
// key is kept: retiring the current signing key leaves it signing, which is
// how tests mint tokens no verifier may accept; Rotate first otherwise.
func (i *Issuer) Retire(kid string) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, k := range i.keys {
		if k.kid == kid {
			k.retired = true
			if err := i.persistLocked(); err != nil {
				return fmt.Errorf("retire: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("retire: unknown kid %q", kid)
}

// persistLocked writes the keys to opts.KeyFile, if any. i.mu must be held.
func (i *Issuer) persistLocked() error {
	if i.opts.KeyFile == "" {
		return nil
	}
	st, err := stateOf(i.opts, i.keys)
	if err != nil {
		return err
	}
	return WriteDevState(i.opts.KeyFile, st)
}
