package registrytoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Claims are what a registry token asserts (the token protocol's claim
// set). Audience is one string, as distribution writes it, not a list.
type Claims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	ExpiresAt int64  `json:"exp"`
	NotBefore int64  `json:"nbf"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	// Service is the service the token was requested for (seed 001).
	Service string  `json:"service"`
	Access  []Scope `json:"access"`
	// License passes the caller's licence claim through for downstream
	// correlation (seed 001), under the seed's name whatever claim
	// Config.LicenseClaim read it from; absent when the caller had none.
	License string `json:"stellaops:license,omitempty"`
}

// The jwt.Claims methods, so golang-jwt can sign Claims as they are.

func (c Claims) GetExpirationTime() (*jwt.NumericDate, error) { return unix(c.ExpiresAt), nil }
func (c Claims) GetIssuedAt() (*jwt.NumericDate, error)       { return unix(c.IssuedAt), nil }
func (c Claims) GetNotBefore() (*jwt.NumericDate, error)      { return unix(c.NotBefore), nil }
func (c Claims) GetIssuer() (string, error)                   { return c.Issuer, nil }
func (c Claims) GetSubject() (string, error)                  { return c.Subject, nil }
func (c Claims) GetAudience() (jwt.ClaimStrings, error)       { return jwt.ClaimStrings{c.Audience}, nil }

func unix(s int64) *jwt.NumericDate { return jwt.NewNumericDate(time.Unix(s, 0)) }

// TokenSigner signs registry tokens. The token is a credential: it goes to
// the caller in the reply and never into an event.
type TokenSigner interface {
	Sign(c Claims) (string, error)
}

var _ TokenSigner = (*Signer)(nil)

// Signer signs with one RSA (RS256) or ECDSA P-256 (ES256) key, with the
// key's id in the kid header, and publishes the public half as a JWKS.
//
// It signs with crypto/rsa and crypto/ecdsa directly: the header is the
// same for every token, so it is encoded once, and an ES256 signature goes
// from ASN.1 to JWS's fixed r||s without big integers. The tokens are
// byte for byte what golang-jwt writes for the same claims.
type Signer struct {
	key    crypto.Signer
	method jwt.SigningMethod
	kid    string
	jwks   []byte
	// header is the encoded JWS header and its dot: {"alg","kid","typ"}.
	header []byte
}

// NewSigner returns a signer for key. kid, if empty, is derived from the
// key in format (KeyIDThumbprint or KeyIDLibtrust).
//
// Which kid a distribution registry accepts depends on how it is given the
// key: with auth.token.jwks, the kid of the JWKS entry (JWKS writes it);
// with auth.token.rootcertbundle, distribution v3 derives the RFC 7638
// thumbprint itself, which for RSA is KeyIDThumbprint, while v2 derives the
// libtrust id (KeyIDLibtrust). For an ECDSA key use jwks: v3 hashes the
// curve's base point instead of the key when it derives the thumbprint, so
// no honest kid matches it.
func NewSigner(key crypto.Signer, kid, format string) (*Signer, error) {
	if key == nil {
		return nil, errors.New("registry token signer: nil key")
	}
	if _, err := checkKey(key); err != nil {
		return nil, fmt.Errorf("registry token signer: %w", err)
	}
	if kid == "" {
		var err error
		switch format {
		case "", KeyIDThumbprint:
			kid, err = Thumbprint(key.Public())
		case KeyIDLibtrust:
			kid, err = LibtrustKeyID(key.Public())
		default:
			err = fmt.Errorf("key id format %q: want thumbprint or libtrust", format)
		}
		if err != nil {
			return nil, fmt.Errorf("registry token signer: %w", err)
		}
	}
	pub, err := jwkOf(key.Public())
	if err != nil {
		return nil, fmt.Errorf("registry token signer: %w", err)
	}
	pub.Kid, pub.Use = kid, "sig"
	jwks, err := json.Marshal(map[string]any{"keys": []jwk{pub}})
	if err != nil {
		return nil, fmt.Errorf("registry token signer: jwks: %w", err)
	}
	method := jwt.SigningMethod(jwt.SigningMethodRS256)
	if algorithmOf(key) == AlgES256 {
		method = jwt.SigningMethodES256
	}
	header, err := json.Marshal(map[string]string{"alg": method.Alg(), "kid": kid, "typ": "JWT"})
	if err != nil {
		return nil, fmt.Errorf("registry token signer: header: %w", err)
	}
	return &Signer{key: key, method: method, kid: kid, jwks: jwks,
		header: append(base64.RawURLEncoding.AppendEncode(nil, header), '.')}, nil
}

// KID is the kid header of every token.
func (s *Signer) KID() string { return s.kid }

// Algorithm is the alg header of every token: RS256 or ES256.
func (s *Signer) Algorithm() string { return s.method.Alg() }

// Public is the public key registries verify tokens with.
func (s *Signer) Public() crypto.PublicKey { return s.key.Public() }

// JWKS is the public key set, RFC 7517 JSON: the file a distribution
// registry's auth.token.jwks names.
func (s *Signer) JWKS() []byte { return append([]byte(nil), s.jwks...) }

// Sign signs c. An access claim must be a list, never null: distribution
// reads null as "no access", other verifiers refuse it.
func (s *Signer) Sign(c Claims) (string, error) {
	if c.Issuer == "" || c.Audience == "" || c.ID == "" || c.ExpiresAt <= c.IssuedAt {
		return "", errors.New("registry token: iss, aud, jti and exp after iat are required")
	}
	if c.Access == nil {
		c.Access = []Scope{}
	}
	claims, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("registry token: claims: %w", err)
	}
	enc := base64.RawURLEncoding
	// header.claims.signature, the signature at most 512 bytes (RSA 4096)
	tok := make([]byte, 0, len(s.header)+enc.EncodedLen(len(claims))+1+enc.EncodedLen(512))
	tok = append(tok, s.header...)
	tok = enc.AppendEncode(tok, claims)
	digest := sha256.Sum256(tok)
	sig, err := s.sign(digest[:])
	if err != nil {
		return "", fmt.Errorf("registry token: sign: %w", err)
	}
	tok = append(tok, '.')
	return string(enc.AppendEncode(tok, sig)), nil
}

// sign is the JWS signature of digest: PKCS #1 v1.5 for RS256, r||s of
// 32 bytes each for ES256 (RFC 7518 §3.4).
func (s *Signer) sign(digest []byte) ([]byte, error) {
	switch k := s.key.(type) {
	case *rsa.PrivateKey:
		return rsa.SignPKCS1v15(nil, k, crypto.SHA256, digest)
	case *ecdsa.PrivateKey:
		der, err := ecdsa.SignASN1(rand.Reader, k, digest)
		if err != nil {
			return nil, err
		}
		return p256RS(der)
	}
	return nil, fmt.Errorf("%T is neither an RSA nor an ECDSA key", s.key)
}

var errMalformedSignature = errors.New("malformed ECDSA signature")

// p256RS turns an ASN.1 DER ECDSA P-256 signature, SEQUENCE { INTEGER r,
// INTEGER s } (at most 72 bytes, so every length is one byte), into r||s,
// each left-padded to 32 bytes.
func p256RS(der []byte) ([]byte, error) {
	bad := errMalformedSignature
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 || der[1] >= 0x80 {
		return nil, bad
	}
	out := make([]byte, 64)
	rest := der[2:]
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || rest[1] >= 0x80 || int(rest[1]) > len(rest)-2 {
			return nil, bad
		}
		v := rest[2 : 2+rest[1]]
		rest = rest[2+rest[1]:]
		for len(v) > 32 && v[0] == 0 { // DER's sign byte
			v = v[1:]
		}
		if len(v) == 0 || len(v) > 32 {
			return nil, bad
		}
		copy(out[32*i+32-len(v):32*i+32], v)
	}
	if len(rest) != 0 {
		return nil, bad
	}
	return out, nil
}
