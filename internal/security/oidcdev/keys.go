package oidcdev

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// keyBits is the RSA modulus size: 2048 is the floor RFC 7518 sets for RS256.
const keyBits = 2048

// signingKey is one RSA key of the issuer. A retired key is left out of the
// JWKS, so verifiers refuse what it signed.
type signingKey struct {
	kid     string
	priv    *rsa.PrivateKey
	retired bool
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("generate RSA key: %w", err)
	}
	return &signingKey{kid: thumbprint(&priv.PublicKey), priv: priv}, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: a kid that is stable across
// restarts and derived from the key, so it can never name a different key.
func thumbprint(pub *rsa.PublicKey) string {
	canonical := fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, b64(big.NewInt(int64(pub.E)).Bytes()), b64(pub.N.Bytes()))
	sum := sha256.Sum256([]byte(canonical))
	return b64(sum[:])
}

// publicJWK is the RFC 7517 JSON form of the public half.
func (k *signingKey) publicJWK() map[string]string {
	pub := &k.priv.PublicKey
	return map[string]string{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": k.kid,
		"n":   b64(pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// stored is the persisted form of k.
func (k *signingKey) stored() (StoredKey, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k.priv)
	if err != nil {
		return StoredKey{}, fmt.Errorf("encode key %s: %w", k.kid, err)
	}
	return StoredKey{
		KID:           k.kid,
		Retired:       k.retired,
		PrivateKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}, nil
}

// fromStored decodes a persisted key, checking that its kid still matches.
func fromStored(s StoredKey) (*signingKey, error) {
	block, _ := pem.Decode([]byte(s.PrivateKeyPEM))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("decode key: no PKCS#8 PEM block")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("decode key: %w", err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("decode key: %T is not an RSA key", parsed)
	}
	if kid := thumbprint(&priv.PublicKey); kid != s.KID {
		return nil, fmt.Errorf("decode key: stored kid %q does not match the key (%q)", s.KID, kid)
	}
	return &signingKey{kid: s.KID, priv: priv, retired: s.Retired}, nil
}
