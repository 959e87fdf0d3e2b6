package terminaltoken

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
)

// generateKeyPEM makes a new P-256 key in PKCS#8 PEM, for keyfile.LoadOrCreate.
func generateKeyPEM() ([]byte, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode P-256 key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// parseKeyPEM decodes a PKCS#8 PEM P-256 key; any other key is refused, so
// the file can never make the signer use another algorithm.
func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New("no PKCS#8 PEM block (PRIVATE KEY)")
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("decode key: %w", err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("decode key: %T is not a P-256 ECDSA key", parsed)
	}
	return priv, nil
}

// publicJWK is the RFC 7517 form of the public half of priv.
type publicJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

func jwkOf(pub *ecdsa.PublicKey) (publicJWK, error) {
	ecdhPub, err := pub.ECDH()
	if err != nil {
		return publicJWK{}, fmt.Errorf("public key: %w", err)
	}
	point := ecdhPub.Bytes() // 0x04 || X || Y, each 32 bytes
	x, y := b64(point[1:33]), b64(point[33:65])
	return publicJWK{Kty: "EC", Crv: "P-256", X: x, Y: y, Use: "sig", Alg: "ES256", Kid: thumbprint(x, y)}, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: a kid derived from the key,
// stable across restarts, that can never name a different key.
func thumbprint(x, y string) string {
	canonical, _ := json.Marshal(struct {
		Crv string `json:"crv"`
		Kty string `json:"kty"`
		X   string `json:"x"`
		Y   string `json:"y"`
	}{"P-256", "EC", x, y})
	sum := sha256.Sum256(canonical)
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
