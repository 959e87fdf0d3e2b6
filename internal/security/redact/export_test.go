package redact

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
)

// PooledInputHolds reports whether the MAC it takes from h's pool holds s
// in its buffer, and whether its hash is in the keyed state a new MAC has
// (fresh: its sum is that of no input, so no part of the last value is
// buffered in it); pooled is false when the pool had none (the race
// detector drops some of what is put).
func PooledInputHolds(h *Hasher, s string) (holds, fresh, pooled bool) {
	m, _ := h.macs.Get().(*mac)
	if m == nil {
		return false, false, false
	}
	defer h.macs.Put(m)
	sum := m.h.Sum(nil) // Sum leaves the state as it was
	fresh = bytes.Equal(sum, hmac.New(sha256.New, h.key).Sum(nil))
	return bytes.Contains(m.in[:cap(m.in)], []byte(s)), fresh, true
}
