package redact

import "bytes"

// PooledInputHolds reports whether the MAC it takes from h's pool holds s
// in its buffer; pooled is false when the pool had none (the race detector
// drops some of what is put).
func PooledInputHolds(h *Hasher, s string) (holds, pooled bool) {
	m, _ := h.macs.Get().(*mac)
	if m == nil {
		return false, false
	}
	defer h.macs.Put(m)
	return bytes.Contains(m.in[:cap(m.in)], []byte(s)), true
}
