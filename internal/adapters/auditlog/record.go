package auditlog

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// Entry is what a caller appends. Data is already redacted (secret fields
// HMAC'd): a compact JSON object, or nil.
type Entry struct {
	Time          time.Time
	Type          string // CloudEvents-style type, e.g. io.hypo.registry.imagepull.secret.read
	ID            string // event id for command events; "" for query records
	Tenant        string
	Subject       string
	CorrelationID string
	CausationID   string
	EventSeq      uint64 // position in the command event log; 0 for query records
	Data          json.RawMessage
}

// Record is an Entry as stored: its place in the chain and its hash.
type Record struct {
	Index      uint64
	Prev, Hash [32]byte
	Entry
}

// Limits on one record; larger entries are refused by Append.
const (
	MaxRecordBytes = 1 << 20
	maxStrBytes    = 64 << 10
	prevLen        = 32
)

// ErrInvalidEntry is returned by Append for an entry that cannot be stored.
var ErrInvalidEntry = errors.New("auditlog: invalid entry")

// errBody is what decoding reports for a body that is not canonical.
var errBody = errors.New("record body is not canonical")

func (e *Entry) validate() error {
	switch {
	case e.Time.IsZero():
		return fmt.Errorf("%w: no time", ErrInvalidEntry)
	case e.Type == "":
		return fmt.Errorf("%w: no type", ErrInvalidEntry)
	}
	for _, s := range [...]string{e.Type, e.ID, e.Tenant, e.Subject, e.CorrelationID, e.CausationID} {
		if len(s) > maxStrBytes {
			return fmt.Errorf("%w: a field is longer than %d bytes", ErrInvalidEntry, maxStrBytes)
		}
	}
	if len(e.Data) > 0 && (e.Data[0] != '{' || !json.Valid(e.Data)) {
		return fmt.Errorf("%w: data of %s is not a JSON object", ErrInvalidEntry, e.Type)
	}
	return nil
}

// appendTail appends everything of the body after prev and index: the part
// a caller can encode on its own goroutine before the writer chains it.
func appendTail(b []byte, e *Entry) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(e.Time.UnixNano()))
	for _, s := range [...]string{e.Type, e.ID, e.Tenant, e.Subject, e.CorrelationID, e.CausationID} {
		b = appendStr(b, s)
	}
	b = binary.AppendUvarint(b, e.EventSeq)
	b = binary.AppendUvarint(b, uint64(len(e.Data)))
	return append(b, e.Data...)
}

func appendStr(b []byte, s string) []byte {
	if s == "" {
		return append(b, 0)
	}
	if u, ok := parseUUID(s); ok {
		return append(append(b, 1), u[:]...)
	}
	b = binary.AppendUvarint(b, uint64(len(s))+2)
	return append(b, s...)
}

// parseUUID accepts only the canonical lowercase 8-4-4-4-12 form, so that
// the 16-byte encoding renders back to the same text.
func parseUUID(s string) (u [16]byte, ok bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	for j, i := range uuidHexAt {
		hi, lo := unhex(s[i]), unhex(s[i+1])
		if hi > 15 || lo > 15 {
			return u, false
		}
		u[j] = hi<<4 | lo
	}
	return u, true
}

// uuidHexAt is where each byte's two hex digits sit in a UUID's text.
var uuidHexAt = [16]int{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return 255
}

func formatUUID(dst []byte, u []byte) {
	hex.Encode(dst[0:8], u[0:4])
	dst[8] = '-'
	hex.Encode(dst[9:13], u[4:6])
	dst[13] = '-'
	hex.Encode(dst[14:18], u[6:8])
	dst[18] = '-'
	hex.Encode(dst[19:23], u[8:10])
	dst[23] = '-'
	hex.Encode(dst[24:36], u[10:16])
}

// uvarint reads a minimally encoded uvarint.
func uvarint(b []byte) (uint64, int, bool) {
	v, n := binary.Uvarint(b)
	if n <= 0 || n != uvarintLen(v) {
		return 0, 0, false
	}
	return v, n, true
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// bodyMeta is what the chain checks need from a body, found without
// allocating.
type bodyMeta struct {
	index, eventSeq uint64
}

// scanBody checks that body is canonical and returns its index and event
// seq; when r is not nil it also decodes the entry into r. Strings and Data
// share one copy of the body, made once per record.
func scanBody(body []byte, r *Record) (bodyMeta, error) {
	var m bodyMeta
	if len(body) < prevLen+1+8 {
		return m, errBody
	}
	var own []byte
	if r != nil {
		own = make([]byte, len(body), len(body)+3*36)
		copy(own, body)
		body = own
		copy(r.Prev[:], body[:prevLen])
	}
	p := prevLen
	v, n, ok := uvarint(body[p:])
	if !ok || v == 0 {
		return m, errBody
	}
	m.index, p = v, p+n
	if len(body)-p < 8 {
		return m, errBody
	}
	nanos := int64(binary.BigEndian.Uint64(body[p:]))
	p += 8
	var strs [6]string
	for i := range strs {
		k, n, ok := uvarint(body[p:])
		if !ok {
			return m, errBody
		}
		p += n
		switch {
		case k == 0:
		case k == 1:
			if len(body)-p < 16 {
				return m, errBody
			}
			if own != nil {
				strs[i] = uuidString(&own, body[p:p+16])
			}
			p += 16
		default:
			k -= 2
			if k == 0 || k > maxStrBytes || uint64(len(body)-p) < k {
				return m, errBody
			}
			s := body[p : p+int(k)]
			if _, isUUID := parseUUID(unsafe.String(unsafe.SliceData(s), len(s))); isUUID {
				return m, errBody
			}
			if own != nil {
				strs[i] = unsafe.String(&s[0], len(s))
			}
			p += int(k)
		}
	}
	if m.eventSeq, n, ok = uvarint(body[p:]); !ok {
		return m, errBody
	}
	p += n
	dl, n, ok := uvarint(body[p:])
	if !ok || uint64(len(body)-p-n) != dl {
		return m, errBody
	}
	p += n
	if r != nil {
		r.Index = m.index
		r.Time = time.Unix(0, nanos).UTC()
		r.Type, r.ID, r.Tenant, r.Subject, r.CorrelationID, r.CausationID = strs[0], strs[1], strs[2], strs[3], strs[4], strs[5]
		r.EventSeq = m.eventSeq
		r.Data = nil
		if dl > 0 {
			// A full slice expression: appending to Data never writes into
			// the bytes the strings above point at.
			r.Data = json.RawMessage(body[p:len(body):len(body)])
		}
	}
	return m, nil
}

// uuidString renders u into the spare capacity of *own (room for three,
// the usual id, correlation and causation), or into its own string.
func uuidString(own *[]byte, u []byte) string {
	b := *own
	if cap(b)-len(b) < 36 {
		var s [36]byte
		formatUUID(s[:], u)
		return string(s[:])
	}
	at := len(b)
	b = b[:at+36]
	formatUUID(b[at:], u)
	*own = b
	return unsafe.String(&b[at], 36)
}
