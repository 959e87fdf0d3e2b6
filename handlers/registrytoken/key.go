package registrytoken

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hypo-registry/registry/internal/security/keyfile"
)

// minRSABits refuses RSA keys too short to sign with today.
const minRSABits = 2048

// LoadKey reads a signing key from path: PEM (PKCS#8 "PRIVATE KEY", PKCS#1
// "RSA PRIVATE KEY" or SEC 1 "EC PRIVATE KEY") or, if the file is not PEM,
// PFX/PKCS#12 decrypted with password. Only RSA of at least 2048 bits and
// ECDSA P-256 are accepted. The file must be private to the service's user
// (keyfile.Load). Encrypted PEM is refused: use PFX for a key at rest under
// a password.
func LoadKey(path, password string) (crypto.Signer, error) {
	b, err := keyfile.Load(path)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(b, password)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return key, nil
}

func parseKey(b []byte, password string) (crypto.Signer, error) {
	if !bytes.Contains(b, []byte("-----BEGIN")) {
		priv, _, _, err := pkcs12.DecodeChain(b, password)
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor a PFX this password opens: %w", err)
		}
		return checkKey(priv)
	}
	for rest := b; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no private key PEM block")
		}
		var (
			parsed any
			err    error
		)
		switch block.Type {
		case "PRIVATE KEY":
			parsed, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			parsed, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			parsed, err = x509.ParseECPrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("encrypted PEM is not supported: use an unencrypted key with 0600 permissions, or PFX")
		default:
			continue // certificates and parameters may sit beside the key
		}
		if err != nil {
			return nil, fmt.Errorf("decode %s: %w", block.Type, err)
		}
		return checkKey(parsed)
	}
}

// checkKey accepts RSA ≥ 2048 bits and ECDSA P-256, nothing else.
func checkKey(k any) (crypto.Signer, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, fmt.Errorf("RSA key of %d bits: want at least %d", k.N.BitLen(), minRSABits)
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ECDSA key on %s: only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%T is neither an RSA nor an ECDSA P-256 key", k)
	}
}

// algorithmOf is the JWS algorithm a key signs with.
func algorithmOf(k crypto.Signer) string {
	if _, ok := k.(*ecdsa.PrivateKey); ok {
		return AlgES256
	}
	return AlgRS256
}

// GenerateKeyPEM makes a new key for alg (RS256: RSA 2048; ES256: P-256)
// in PKCS#8 PEM, for keyfile.LoadOrCreate.
func GenerateKeyPEM(alg string) ([]byte, error) {
	var (
		key any
		err error
	)
	switch alg {
	case "", AlgRS256:
		key, err = rsa.GenerateKey(rand.Reader, minRSABits)
	case AlgES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return nil, fmt.Errorf("generate key: algorithm %q: want RS256 or ES256", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// LoadOrCreateKey loads cfg.KeyPath, or, when it is empty, the key kept at
// generated, creating it (0600, PKCS#8 PEM, of cfg.Algorithm) on first use.
// A key that is not of cfg.Algorithm, when that is set, is refused.
func LoadOrCreateKey(cfg SigningConfig, generated string) (crypto.Signer, error) {
	var (
		key crypto.Signer
		err error
	)
	if cfg.KeyPath != "" {
		key, err = LoadKey(cfg.KeyPath, cfg.KeyPassword)
	} else {
		var b []byte
		b, err = keyfile.LoadOrCreate(generated, func() ([]byte, error) { return GenerateKeyPEM(cfg.Algorithm) })
		if err == nil {
			key, err = parseKey(b, "")
		}
		if err != nil {
			err = fmt.Errorf("registry token key: %w", err)
		}
	}
	if err != nil {
		return nil, err
	}
	if cfg.Algorithm != "" && algorithmOf(key) != cfg.Algorithm {
		return nil, fmt.Errorf("registry token key: an %s key, but REGISTRY_TOKEN_SIGNING_ALGORITHM is %s", algorithmOf(key), cfg.Algorithm)
	}
	return key, nil
}
