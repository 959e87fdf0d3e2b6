// Package redact replaces string values in JSON-shaped data by keyed HMACs,
// the way Vault's audit devices do (audit/hashstructure.go with
// sdk/helper/salt): the audit log can then prove that a value changed, or that
// two records carry the same value, without ever holding the value itself.
package redact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"sync"

	"github.com/hypo-registry/registry/internal/security/keyfile"
)

// Prefix marks a string that is already an HMAC. Such strings are left as they
// are, so hashing is idempotent: data that the command bus already redacted
// is not hashed a second time into something no one can compare.
const Prefix = "hmac-sha256:"

// MinKeySize is the shortest HMAC key accepted, in bytes: the key must be at
// least as long as the SHA-256 output or it weakens the MAC.
const MinKeySize = 32

// Hasher computes keyed HMAC-SHA256 digests of values. It is safe for
// concurrent use: it holds the immutable key and a pool of MACs.
type Hasher struct {
	key  []byte
	macs sync.Pool // *mac under key
}

// mac is an HMAC-SHA256 under the Hasher's key with room for the value it
// hashes. Reset restores the keyed state hmac.New computed the first time
// (crypto/hmac keeps it), so a pooled MAC, reset once it has hashed,
// hashes a value with no allocation, where a new one cost ten and two more
// SHA-256 blocks.
type mac struct {
	h   hash.Hash
	in  []byte
	sum [sha256.Size]byte
}

// NewHasher returns a Hasher keyed by key, which must be at least MinKeySize
// bytes. The key is copied so the caller may wipe its slice.
func NewHasher(key []byte) (*Hasher, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("redact: new hasher: key is %d bytes, want at least %d", len(key), MinKeySize)
	}
	return &Hasher{key: append([]byte(nil), key...)}, nil
}

// LoadKey returns the instance's audit key stored at path, creating a random
// 32-byte key (0600) on first use. The key must outlive every audit record:
// with a new key, replayed records no longer match the live ones.
func LoadKey(path string) ([]byte, error) {
	key, err := keyfile.LoadOrCreate(path, keyfile.Random(MinKeySize))
	if err != nil {
		return nil, fmt.Errorf("redact: load key: %w", err)
	}
	return key, nil
}

// HMAC returns "hmac-sha256:" followed by the lowercase hex HMAC-SHA256 of s.
func (h *Hasher) HMAC(s string) string {
	m, _ := h.macs.Get().(*mac)
	if m == nil {
		m = &mac{h: hmac.New(sha256.New, h.key)}
	}
	m.in = append(m.in[:0], s...)
	m.h.Write(m.in)
	var out [len(Prefix) + 2*sha256.Size]byte
	copy(out[:], Prefix)
	hex.Encode(out[len(Prefix):], m.h.Sum(m.sum[:0]))
	// The value may be a secret: the pool keeps no copy of it, neither in
	// the buffer nor in the hash's own block buffer, which holds the
	// value's last partial block until Reset restores the keyed state.
	clear(m.in)
	m.h.Reset()
	if cap(m.in) <= maxPooledInput {
		h.macs.Put(m)
	}
	return string(out[:])
}

// maxPooledInput bounds the buffer a pooled MAC keeps: a large value's is
// left to the collector.
const maxPooledInput = 4 << 10
