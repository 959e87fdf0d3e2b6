package secretpath

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRegistryName is the longest package-registry name accepted, in bytes
// (the longest registry URL the handlers accept).
const MaxRegistryName = 2048

// registrySchemes are the schemes a registry name may carry ("" is none).
var registrySchemes = map[string]bool{"": true, "https": true, "oci": true, "http": true}

// NormalizeRegistryName returns the normalised form of a package-registry
// name: a host, a host with a path, or an http, https or oci URL. Names that
// denote the same repository normalise alike:
//
//   - the scheme ("https://", "http://", "oci://", any case) is dropped;
//   - the host is lower-cased; the port is dropped when it is empty, 443 or
//     80 (the defaults of https and oci, and of http), kept otherwise;
//   - trailing slashes are dropped; the path keeps its case and its empty
//     segments;
//   - percent-encodings get upper-case hex, and those of unreserved
//     characters (A-Z a-z 0-9 - . _ ~) are decoded (RFC 3986, 6.2.2).
//
// Refused: a name that is empty, longer than MaxRegistryName, not UTF-8, or
// holds spaces, control or invisible characters or '\'; another scheme;
// user info ("user:pass@host": a name is logged in clear); a query or
// fragment; an empty host, a host "." or "..", or a '%' in it; a bad port;
// "." or ".." path segments; a '%' not followed by two hex digits.
func NormalizeRegistryName(name string) (string, error) {
	bad := func(format string, a ...any) (string, error) {
		return "", fmt.Errorf("%w: registry name %s", ErrInvalid, fmt.Sprintf(format, a...))
	}
	switch {
	case name == "":
		return bad("is empty")
	case len(name) > MaxRegistryName:
		return bad("is longer than %d bytes", MaxRegistryName)
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	}
	for _, r := range name {
		if unfit(r) || r == '\\' {
			return bad("contains a space, '\\', control, invisible or replacement character (U+%04X)", r)
		}
	}
	scheme, rest := "", name
	if i := strings.Index(name, "://"); i > 0 && isScheme(name[:i]) {
		scheme, rest = strings.ToLower(name[:i]), name[i+3:]
	}
	if !registrySchemes[scheme] {
		return bad("must be a host or an http, https or oci URL")
	}
	if strings.ContainsAny(rest, "?#") {
		return bad("must not have a query or fragment")
	}
	authority, path, _ := strings.Cut(rest, "/")
	host, err := normalizeAuthority(authority)
	if err != nil {
		return bad("%s", err)
	}
	path = strings.TrimRight(path, "/")
	if path == "" {
		return host, nil
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if segs[i], err = normalizePercent(s); err != nil {
			return bad("%s", err)
		}
		if segs[i] == "." || segs[i] == ".." {
			return bad("must not have \".\" or \"..\" path segments")
		}
	}
	return host + "/" + strings.Join(segs, "/"), nil
}

// normalizeAuthority lower-cases the host and drops a default or empty port.
// Dropping both defaults whatever the scheme keeps the normalised form (which
// has no scheme) a fixed point: normalising it again changes nothing.
func normalizeAuthority(authority string) (string, error) {
	if strings.Contains(authority, "@") {
		return "", errors.New("must not embed credentials or user info")
	}
	host, port := authority, ""
	if strings.HasPrefix(authority, "[") { // IPv6 literal
		end := strings.Index(authority, "]")
		if end < 0 {
			return "", errors.New("has an unclosed IPv6 literal")
		}
		host, port = authority[:end+1], authority[end+1:]
		if port != "" && port[0] != ':' {
			return "", errors.New("has data after the IPv6 literal")
		}
		port = strings.TrimPrefix(port, ":")
	} else if i := strings.LastIndex(authority, ":"); i >= 0 {
		host, port = authority[:i], authority[i+1:]
	}
	switch {
	case host == "" || host == "[]":
		return "", errors.New("has no host")
	case host == "." || host == "..":
		return "", fmt.Errorf("host may not be %q", host)
	case strings.ContainsAny(host, "%[]") && !strings.HasPrefix(host, "["):
		return "", errors.New("host contains '%', '[' or ']'")
	case strings.ContainsAny(host, ":") && !strings.HasPrefix(host, "["):
		return "", errors.New("host contains ':' (only one port allowed)")
	}
	host = strings.ToLower(host)
	if port == "" {
		return host, nil
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 || strings.ContainsAny(port, "+-") {
		return "", errors.New("port must be a number from 1 to 65535")
	}
	if port = strconv.FormatUint(n, 10); port == "443" || port == "80" {
		return host, nil
	}
	return host + ":" + port, nil
}

// normalizePercent upper-cases the hex of each percent-encoding and decodes
// those of unreserved characters.
func normalizePercent(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			return "", errors.New("has a '%' not followed by two hex digits")
		}
		v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if c := byte(v); isUnreserved(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
		i += 2
	}
	return b.String(), nil
}

// isScheme reports RFC 3986 scheme syntax: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && (i == 0 || !strings.ContainsRune("+-.", rune(c))) || i == 0 && '0' <= c && c <= '9' {
			return false
		}
	}
	return s != ""
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isUnreserved(c byte) bool {
	return isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
}

func isAlnum(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
