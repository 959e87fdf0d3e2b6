package secretpath

import (
	"unicode"
	"unicode/utf8"
)

// Printable returns s if it is short and printable, else a placeholder, so
// an error that names a client's input never echoes control bytes, invalid
// UTF-8 or a wall of text.
func Printable(s string) string {
	if len(s) > 64 {
		return "(too long)"
	}
	if !utf8.ValidString(s) {
		return "(unprintable)"
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return "(unprintable)"
		}
	}
	return s
}
