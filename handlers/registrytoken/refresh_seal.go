package registrytoken

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// sealKeyLabel separates the sealing key from the lookup hash: both are
// SHA-256 of the token, under different prefixes, so the hash an event
// carries says nothing about the key.
const sealKeyLabel = "registrytoken refresh grant seal v1\x00"

// sealedFields are the grant's fields an event must not show in clear: a
// licence is never in an event in clear, and the client id is not a clear
// field either. Every instance that is shown the token can open them.
type sealedFields struct {
	License  string `json:"license,omitempty"`
	ClientID string `json:"clientId,omitempty"`
}

func sealCipher(token string) cipher.AEAD {
	key := sha256.Sum256([]byte(sealKeyLabel + token))
	block, _ := aes.NewCipher(key[:]) // a 32-byte key never fails
	aead, _ := cipher.NewGCM(block)
	return aead
}

// sealGrant seals f under a key derived from token, bound to the grant id:
// base64url(nonce ‖ ciphertext), or "" when there is nothing to seal.
func sealGrant(token, id string, f sealedFields) string {
	if f == (sealedFields{}) {
		return ""
	}
	plain, _ := json.Marshal(f) // two strings always marshal
	aead := sealCipher(token)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, plain, []byte(id)))
}

// openGrant opens what sealGrant sealed; "" opens to nothing.
func openGrant(token, id, sealed string) (sealedFields, error) {
	var f sealedFields
	if sealed == "" {
		return f, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	aead := sealCipher(token)
	if err != nil || len(raw) < aead.NonceSize() {
		return f, errors.New("sealed fields: malformed")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return f, fmt.Errorf("sealed fields: %w", err)
	}
	if err := json.Unmarshal(plain, &f); err != nil {
		return f, fmt.Errorf("sealed fields: %w", err)
	}
	return f, nil
}
