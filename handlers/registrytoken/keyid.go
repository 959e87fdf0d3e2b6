package registrytoken

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
)

// jwk is the RFC 7517 form of a public signing key.
type jwk struct {
	Kty string `json:"kty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
	Kid string `json:"kid,omitempty"`
	// RSA
	N string `json:"n,omitempty"`
	E string `json:"e,omitempty"`
	// EC
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
}

func jwkOf(pub crypto.PublicKey) (jwk, error) {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		return jwk{Kty: "RSA", Alg: AlgRS256, N: b64(pub.N.Bytes()), E: b64(big.NewInt(int64(pub.E)).Bytes())}, nil
	case *ecdsa.PublicKey:
		ecdhPub, err := pub.ECDH()
		if err != nil {
			return jwk{}, fmt.Errorf("public key: %w", err)
		}
		point := ecdhPub.Bytes() // 0x04 || X || Y, 32 bytes each, zero-padded
		return jwk{Kty: "EC", Alg: AlgES256, Crv: "P-256", X: b64(point[1:33]), Y: b64(point[33:65])}, nil
	default:
		return jwk{}, fmt.Errorf("public key %T is not supported", pub)
	}
}

// Thumbprint is the RFC 7638 JWK thumbprint of pub (SHA-256, base64url):
// only the required members, in lexicographic order.
func Thumbprint(pub crypto.PublicKey) (string, error) {
	k, err := jwkOf(pub)
	if err != nil {
		return "", err
	}
	var canonical []byte
	if k.Kty == "RSA" {
		canonical, err = json.Marshal(struct {
			E   string `json:"e"`
			Kty string `json:"kty"`
			N   string `json:"n"`
		}{k.E, k.Kty, k.N})
	} else {
		canonical, err = json.Marshal(struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
			Y   string `json:"y"`
		}{k.Crv, k.Kty, k.X, k.Y})
	}
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(canonical)
	return b64(sum[:]), nil
}

// LibtrustKeyID is the key id docker/libtrust gives pub: the SHA-256 of its
// PKIX DER, first 240 bits, base32, in colon-separated groups of four.
func LibtrustKeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("libtrust key id: %w", err)
	}
	sum := sha256.Sum256(der)
	s := strings.TrimRight(base32.StdEncoding.EncodeToString(sum[:30]), "=")
	groups := make([]string, 0, len(s)/4)
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:min(i+4, len(s))])
	}
	return strings.Join(groups, ":"), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
