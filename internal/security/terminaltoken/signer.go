package terminaltoken

import (
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/keyfile"
)

var _ handlers.TerminalTokenSigner = (*Signer)(nil)

// Signer signs terminal access tokens with one P-256 key and publishes its
// public half as a JWKS.
type Signer struct {
	cfg  Config
	key  *ecdsa.PrivateKey
	kid  string
	jwks []byte
}

// LoadOrCreate loads the signing key from path, generating it (0600, PKCS#8
// PEM) on first run, and returns a signer configured by cfg (defaults
// applied, then validated).
func LoadOrCreate(path string, cfg Config) (*Signer, error) {
	b, err := keyfile.LoadOrCreate(path, generateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("terminal token key: %w", err)
	}
	return fromPEM(path, b, cfg)
}

// Load is LoadOrCreate for a key that must exist: one given to every
// instance (a mounted secret), where generating a key of its own would
// leave an instance signing tokens the others' JWKS does not hold.
func Load(path string, cfg Config) (*Signer, error) {
	b, err := keyfile.Load(path)
	if err != nil {
		return nil, fmt.Errorf("terminal token key: %w", err)
	}
	return fromPEM(path, b, cfg)
}

func fromPEM(path string, b []byte, cfg Config) (*Signer, error) {
	key, err := parseKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("terminal token key %s: %w", path, err)
	}
	return New(cfg, key)
}

// New returns a signer using key, configured by cfg (defaults applied, then
// validated).
func New(cfg Config, key *ecdsa.PrivateKey) (*Signer, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if key == nil {
		return nil, errors.New("terminal token: nil key")
	}
	jwk, err := jwkOf(&key.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("terminal token: %w", err)
	}
	jwks, err := json.Marshal(map[string]any{"keys": []publicJWK{jwk}})
	if err != nil {
		return nil, fmt.Errorf("terminal token: jwks: %w", err)
	}
	return &Signer{cfg: cfg, key: key, kid: jwk.Kid, jwks: jwks}, nil
}

// KID is the signing key's id: the kid header of every token.
func (s *Signer) KID() string { return s.kid }

// JWKS is the public key set, RFC 7517 JSON, for a gateway to verify tokens.
func (s *Signer) JWKS() []byte { return append([]byte(nil), s.jwks...) }

// claims is the token's payload.
type claims struct {
	jwt.RegisteredClaims
	Tenant    string `json:"tenant"`
	ServiceID string `json:"serviceId"`
	Target    string `json:"id"`
	Scope     string `json:"scope"`
	KCV       int    `json:"kcv"`
}

// Sign issues a token for c, valid from now for the configured TTL.
func (s *Signer) Sign(c handlers.TerminalClaims) (string, time.Time, error) {
	if c.Subject == "" || c.Tenant == "" || c.ServiceID == "" || c.ID == "" || c.Scope == "" || c.JTI == "" || c.KubeconfigVersion < 1 {
		return "", time.Time{}, errors.New("terminal token: sub, tenant, serviceId, id, scope, jti and a kubeconfig version are required")
	}
	// NumericDate has whole seconds: truncate, so the reply's expiry is the
	// token's exp exactly.
	now := s.cfg.Now().Truncate(time.Second)
	exp := now.Add(s.cfg.TTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: s.cfg.Issuer, Subject: c.Subject, Audience: jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp), ID: c.JTI,
		},
		Tenant: c.Tenant, ServiceID: c.ServiceID, Target: c.ID, Scope: c.Scope, KCV: c.KubeconfigVersion,
	})
	tok.Header["kid"] = s.kid
	signed, err := tok.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("terminal token: sign: %w", err)
	}
	return signed, exp, nil
}
