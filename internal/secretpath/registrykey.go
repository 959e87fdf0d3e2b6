package secretpath

import (
	"fmt"
	"strings"
)

// RegistryKey is the storage key, one path segment, of a package-registry
// secret name (seed 000: names that are URLs or carry path segments are
// sanitised to valid Vault path keys). It normalises name
// (NormalizeRegistryName), then writes the normalised form byte by byte:
//
//   - A-Z a-z 0-9 '-' '_' ':' as themselves;
//   - '.' as itself, but as "!2E" at the start or right after another '.',
//     so a key is never "." and never holds "..";
//   - '/' as '~';
//   - every other byte (so '~', '!', '%', non-ASCII) as '!' and two
//     upper-case hex digits.
//
// "https://charts.example.com/myrepo/" becomes "charts.example.com~myrepo".
// The code is prefix-free and ParseRegistryKey inverts it, so two names with
// different normalised forms never share a key, and every key passes
// CheckSegment. A name whose key would exceed MaxSegment bytes is refused.
func RegistryKey(name string) (string, error) {
	n, err := NormalizeRegistryName(name)
	if err != nil {
		return "", err
	}
	key := encodeRegistryKey(n)
	if len(key) > MaxSegment {
		return "", fmt.Errorf("%w: registry name is too long: its storage key has %d bytes, at most %d", ErrInvalid, len(key), MaxSegment)
	}
	if err := CheckSegment("registry key", key); err != nil {
		return "", fmt.Errorf("registry key: %w", err) // unreachable by construction; kept as a guard
	}
	return key, nil
}

func encodeRegistryKey(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case isAlnum(c) || c == '-' || c == '_' || c == ':':
			b.WriteByte(c)
		case c == '.' && i > 0 && n[i-1] != '.':
			b.WriteByte(c)
		case c == '/':
			b.WriteByte('~')
		default:
			fmt.Fprintf(&b, "!%02X", c)
		}
	}
	return b.String()
}

// ParseRegistryKey returns the normalised registry name a key was made from.
// It refuses a key RegistryKey cannot have produced, so for every name
// accepted by RegistryKey, ParseRegistryKey(RegistryKey(name)) equals
// NormalizeRegistryName(name).
func ParseRegistryKey(key string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '~':
			b.WriteByte('/')
		case c == '!':
			if i+2 >= len(key) || !isUpperHex(key[i+1]) || !isUpperHex(key[i+2]) {
				return "", fmt.Errorf("%w: registry key has a '!' not followed by two upper-case hex digits", ErrInvalid)
			}
			b.WriteByte(unhex(key[i+1])<<4 | unhex(key[i+2]))
			i += 2
		case isAlnum(c) || c == '-' || c == '_' || c == ':' || c == '.':
			b.WriteByte(c)
		default:
			return "", fmt.Errorf("%w: registry key has the character %q", ErrInvalid, c)
		}
	}
	n := b.String()
	if encodeRegistryKey(n) != key {
		return "", fmt.Errorf("%w: registry key is not in canonical form", ErrInvalid)
	}
	if norm, err := NormalizeRegistryName(n); err != nil || norm != n {
		return "", fmt.Errorf("%w: registry key does not hold a normalised registry name", ErrInvalid)
	}
	return n, nil
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c - 'A' + 10
}
