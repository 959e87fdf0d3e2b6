package rest

import (
	"fmt"

	"github.com/hypo-registry/registry/handlers"
)

// checkSurrogates scans the string literals of raw for \u escapes of UTF-16
// surrogates that are not a high one directly followed by a low one.
func checkSurrogates(raw []byte) error {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString:
			r, ok := escapedUnit(raw, i)
			if !ok {
				i++ // a one-character escape such as \" or \\
				continue
			}
			switch {
			case r >= 0xD800 && r < 0xDC00:
				low, ok := escapedUnit(raw, i+6)
				if !ok || low < 0xDC00 || low >= 0xE000 {
					return fmt.Errorf("%w: body holds a lone UTF-16 surrogate escape (\\u%04x)", handlers.ErrInvalid, r)
				}
				i += 11
			case r >= 0xDC00 && r < 0xE000:
				return fmt.Errorf("%w: body holds a lone UTF-16 surrogate escape (\\u%04x)", handlers.ErrInvalid, r)
			default:
				i += 5
			}
		}
	}
	return nil
}

// escapedUnit reads the \uXXXX escape at raw[i], if there is one.
func escapedUnit(raw []byte, i int) (rune, bool) {
	if i+5 >= len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range raw[i+2 : i+6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
