// Package seal encrypts values at rest with AES-256-GCM under a key ring.
// The ring exists so keys can be rotated without a flag day: the newest key
// seals every new write, older keys still open what they sealed, and stores
// re-seal old values under the newest key at their own pace.
package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
)

// KeySize is the length of every key: AES-256.
const KeySize = 32

// ErrKeyring is wrapped by every error about a malformed key ring. Its
// messages name line numbers and ids, never key material.
var ErrKeyring = errors.New("invalid seal keyring")

// Keyring holds the keys that seal and open values. It is immutable, so one
// ring is safe for concurrent use; Rotate returns a new ring.
type Keyring struct {
	raw     map[uint32][]byte
	aead    map[uint32]cipher.AEAD
	current uint32
}

// NewKeyring returns a ring with one random key, id 1: the first run of a
// store that has no key yet.
func NewKeyring() (*Keyring, error) {
	return (&Keyring{}).withNewKey(1)
}

// Rotate returns a ring holding every key of k plus a new random key, id
// max+1, which becomes the current write key. k itself is unchanged.
func (k *Keyring) Rotate() (*Keyring, error) {
	if k.current == math.MaxUint32 {
		return nil, fmt.Errorf("seal rotate: %w: key ids exhausted", ErrKeyring)
	}
	return k.withNewKey(k.current + 1)
}

func (k *Keyring) withNewKey(id uint32) (*Keyring, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("seal new key: %w", err)
	}
	keys := make(map[uint32][]byte, len(k.raw)+1)
	for kid, b := range k.raw {
		keys[kid] = b
	}
	keys[id] = key
	return build(keys)
}

// build makes the ciphers once so Seal and Open do not redo key schedules.
func build(keys map[uint32][]byte) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("seal: %w: no keys", ErrKeyring)
	}
	ring := &Keyring{raw: keys, aead: make(map[uint32]cipher.AEAD, len(keys))}
	for id, key := range keys {
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("seal: %w: key %d: %w", ErrKeyring, id, err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: %w: key %d: %w", ErrKeyring, id, err)
		}
		ring.aead[id] = gcm
		ring.current = max(ring.current, id)
	}
	return ring, nil
}

// ParseKeyring reads the text form: one key per line, "<id> <base64 of 32
// bytes>", id a positive integer; blank lines and lines starting with '#'
// are skipped. The highest id is the current write key. Errors name the line,
// never its content, since a mangled line may still hold a key.
func ParseKeyring(b []byte) (*Keyring, error) {
	keys := map[uint32][]byte{}
	for i, line := range strings.Split(string(b), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 2 {
			return nil, fmt.Errorf("seal parse: %w: line %d: want \"<id> <base64 key>\"", ErrKeyring, n)
		}
		id, err := strconv.ParseUint(fields[0], 10, 32)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("seal parse: %w: line %d: id must be a positive 32-bit integer", ErrKeyring, n)
		}
		if _, dup := keys[uint32(id)]; dup {
			return nil, fmt.Errorf("seal parse: %w: line %d: duplicate key id %d", ErrKeyring, n, id)
		}
		key, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil {
			return nil, fmt.Errorf("seal parse: %w: line %d: key %d is not valid base64", ErrKeyring, n, id)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("seal parse: %w: line %d: key %d is %d bytes, want %d", ErrKeyring, n, id, len(key), KeySize)
		}
		keys[uint32(id)] = key
	}
	return build(keys)
}

// Marshal returns the text form ParseKeyring reads, keys in id order. The
// result is key material: write it only to a 0600 file.
func (k *Keyring) Marshal() []byte {
	var buf bytes.Buffer
	buf.WriteString("# registry seal keyring: \"<id> <base64 key>\" per line; the highest id seals new writes\n")
	for _, id := range k.ids() {
		fmt.Fprintf(&buf, "%d %s\n", id, base64.StdEncoding.EncodeToString(k.raw[id]))
	}
	return buf.Bytes()
}

func (k *Keyring) ids() []uint32 {
	ids := make([]uint32, 0, len(k.raw))
	for id := range k.raw {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// CurrentID is the id of the key that seals new values.
func (k *Keyring) CurrentID() uint32 { return k.current }

// String describes the ring without its keys, so printing a ring by mistake
// leaks nothing.
func (k *Keyring) String() string {
	return fmt.Sprintf("seal.Keyring{current: %d, keys: %v}", k.current, k.ids())
}

// GoString keeps %#v from dumping key bytes.
func (k *Keyring) GoString() string { return k.String() }

// LogValue keeps key bytes out of structured logs.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }
