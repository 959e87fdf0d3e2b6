// Package plainjson writes JSON values byte for byte as encoding/json's
// Marshal writes them, and reads plain strings as its Unmarshal reads
// them, without its reflection, for the hot paths that build or read a
// known shape: a read's reply, an audit record's redacted copy, a stored
// secret's values.
package plainjson

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// AppendString appends s as json.Marshal writes it: quoted, with HTML
// characters, control characters, U+2028 and U+2029 escaped and invalid
// UTF-8 replaced. A string of plain printable ASCII, the usual case, is
// copied; any other is left to json.Marshal.
func AppendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// AppendTime appends t as json.Marshal writes a time.Time (RFC 3339 with
// nanoseconds, quoted), or fails as it does for a year outside 0–9999.
func AppendTime(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '"'), nil
}

// ReadString reads the JSON string starting at b[i] when it is plain: no
// escape, no control character, valid UTF-8. It returns the string, what
// json.Unmarshal would decode, and where it ends; ok is false for any
// other string or for something else at b[i], which the caller leaves to
// json.Unmarshal.
func ReadString(b []byte, i int) (s string, end int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			if !utf8.Valid(b[i+1 : j]) {
				return "", 0, false
			}
			return string(b[i+1 : j]), j + 1, true
		case c == '\\' || c < 0x20:
			return "", 0, false
		}
	}
	return "", 0, false
}

// SkipSpace returns where the JSON whitespace from b[i] ends.
func SkipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
