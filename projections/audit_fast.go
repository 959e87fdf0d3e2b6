package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
)

// The verifier's fast path. A record the audit projection wrote is exactly
// json.Marshal(record), and its hash is the SHA-256 of those bytes with the
// hash field empty (see Record.encode). So a record whose stored bytes have
// that layout and hash to the hash they carry has intact content, without
// decoding it and encoding it again. Anything else — another layout, a
// repeated key, a hash that does not match — takes the full decode, which
// names the problem as before.

const (
	fastIndex = `{"index":`
	fastPrev  = `,"prev":"`
	fastHash  = `","hash":"`
	hexLen    = 2 * sha256.Size
)

// fastCheck holds what the fast path reuses from record to record.
type fastCheck struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// intact returns the index, prev and hash of a record whose stored bytes
// are in the canonical layout and hash to the hash they carry; ok is false
// otherwise, and the caller must decode the record.
func (f *fastCheck) intact(val []byte) (index uint64, prev, hashHex string, ok bool) {
	// ...,"prev":"<0 or 64 hex>","hash":"<64 hex>"}
	tail := len(fastHash) + hexLen + len(`"}`)
	if len(val) < len(fastIndex)+tail || !bytes.HasSuffix(val, []byte(`"}`)) {
		return 0, "", "", false
	}
	hashAt := len(val) - 2 - hexLen
	if !bytes.Equal(val[hashAt-len(fastHash):hashAt], []byte(fastHash)) {
		return 0, "", "", false
	}
	prevEnd := hashAt - len(fastHash)
	prevAt := bytes.LastIndex(val[:prevEnd], []byte(fastPrev))
	if prevAt < 0 {
		return 0, "", "", false
	}
	prevAt += len(fastPrev)
	if n := prevEnd - prevAt; (n != 0 && n != hexLen) || !lowerHex(val[prevAt:prevEnd]) {
		return 0, "", "", false
	}
	// {"index":<digits>,... with no other "index" key, so a decoder reads
	// this index; prev and hash end the object, so a decoder (last key
	// wins) reads those two.
	if !bytes.HasPrefix(val, []byte(fastIndex)) {
		return 0, "", "", false
	}
	digits := val[len(fastIndex):]
	end := bytes.IndexByte(digits, ',')
	if end <= 0 || (digits[0] == '0' && end > 1) {
		return 0, "", "", false
	}
	index, err := strconv.ParseUint(string(digits[:end]), 10, 64)
	if err != nil {
		return 0, "", "", false
	}
	if bytes.Contains(digits, []byte(`"index":`)) {
		return 0, "", "", false
	}
	if f.h == nil {
		f.h = sha256.New()
	}
	f.h.Reset()
	f.h.Write(val[:hashAt-1]) // up to and including `"hash":`
	f.h.Write([]byte(`""}`))
	// Comparing the stored hash with the lowercase hex of the digest also
	// proves it lowercase hex, the only form Digest writes.
	var sumHex [hexLen]byte
	hex.Encode(sumHex[:], f.h.Sum(f.sum[:0]))
	if !bytes.Equal(sumHex[:], val[hashAt:hashAt+hexLen]) {
		return 0, "", "", false
	}
	return index, string(val[prevAt:prevEnd]), string(val[hashAt : hashAt+hexLen]), true
}

// lowerHex reports whether b is lowercase hex, the only form Digest writes.
func lowerHex(b []byte) bool {
	for _, c := range b {
		if !isLowerHex[c] {
			return false
		}
	}
	return true
}

// isLowerHex is a table: one load per byte instead of four comparisons.
var isLowerHex = func() (t [256]bool) {
	for _, c := range "0123456789abcdef" {
		t[c] = true
	}
	return t
}()
