package seal

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// FormatV1 is the first byte of every value sealed by this package, so a
// later format can be told apart from this one.
const FormatV1 byte = 1

const (
	nonceSize  = 12
	headerSize = 1 + 4 + nonceSize
)

// ErrOpen is wrapped by every failure to open a sealed value: unknown key id,
// unknown format, truncation, tampering or a different AAD. The messages say
// which, never what the value or the key was.
var ErrOpen = errors.New("cannot open sealed value")

// Seal encrypts plaintext under the current key. aad binds the result to its
// place (stores pass the storage path), so a value copied elsewhere does not
// open. Layout: format (1) | key id (4, big endian) | nonce (12) | ciphertext
// and GCM tag. The header is authenticated with aad.
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) {
	gcm, ok := k.aead[k.current]
	if !ok {
		return nil, fmt.Errorf("seal: %w: no current key", ErrKeyring)
	}
	out := make([]byte, headerSize, headerSize+len(plaintext)+gcm.Overhead())
	out[0] = FormatV1
	binary.BigEndian.PutUint32(out[1:5], k.current)
	if _, err := rand.Read(out[5:headerSize]); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return gcm.Seal(out, out[5:headerSize], plaintext, additional(out[:headerSize], aad)), nil
}

// Open decrypts a value made by Seal with the same aad, under whichever key
// of the ring sealed it.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) {
	id, err := k.KeyID(sealed)
	if err != nil {
		return nil, err
	}
	gcm, ok := k.aead[id]
	if !ok {
		return nil, fmt.Errorf("seal open: %w: unknown key id %d", ErrOpen, id)
	}
	if len(sealed) < headerSize+gcm.Overhead() {
		return nil, fmt.Errorf("seal open: %w: value too short", ErrOpen)
	}
	plain, err := gcm.Open(nil, sealed[5:headerSize], sealed[headerSize:], additional(sealed[:headerSize], aad))
	if err != nil {
		// GCM says only "message authentication failed"; keep it that way.
		return nil, fmt.Errorf("seal open: %w: authentication failed (tampered, wrong key or wrong AAD)", ErrOpen)
	}
	return plain, nil
}

// KeyID reports which key sealed a value, so a store can find values still
// sealed under a retired key.
func (k *Keyring) KeyID(sealed []byte) (uint32, error) {
	if len(sealed) < headerSize {
		return 0, fmt.Errorf("seal open: %w: value too short", ErrOpen)
	}
	if sealed[0] != FormatV1 {
		return 0, fmt.Errorf("seal open: %w: unknown format %d", ErrOpen, sealed[0])
	}
	return binary.BigEndian.Uint32(sealed[1:5]), nil
}

// additional authenticates the header with the caller's aad, so the key id
// and format cannot be swapped independently of the ciphertext.
func additional(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	return append(append(ad, header...), aad...)
}
