// Package jsonappend writes JSON values byte for byte as encoding/json's
// Marshal writes them, appending to a buffer, for the hot paths that build
// a known shape without Marshal's reflection (a read's reply, an audit
// record's redacted copy).
package jsonappend

import (
	"encoding/json"
	"time"
)

// String appends s as json.Marshal writes it: quoted, with HTML
// characters, control characters, U+2028 and U+2029 escaped and invalid
// UTF-8 replaced. A string of plain printable ASCII, the usual case, is
// copied; any other is left to json.Marshal.
func String(dst []byte, s string) []byte {
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

// Time appends t as json.Marshal writes a time.Time (RFC 3339 with
// nanoseconds, quoted), or fails as it does for a year outside 0–9999.
func Time(dst []byte, t time.Time) ([]byte, error) {
	dst = append(dst, '"')
	dst, err := t.AppendText(dst)
	if err != nil {
		return nil, err
	}
	return append(dst, '"'), nil
}
