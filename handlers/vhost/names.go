package vhost

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// MaxNameLength bounds a virtual host or server host name, as DNS does.
const MaxNameLength = 253

// NormalizeName checks that name is a DNS-like name (seed 004: "should
// conform to DNS name semantics") and returns it lower-cased: dot-separated
// labels of 1–63 letters, digits and hyphens, no hyphen at either end of a
// label, at most MaxNameLength bytes. DNS names are case-insensitive, so
// "Svc.Example" and "svc.example" are one host.
func NormalizeName(name string) (string, error) {
	if err := checkDNSName(name); err != nil {
		return "", fmt.Errorf("%w: virtual host name %w", handlers.ErrInvalid, err)
	}
	return strings.ToLower(name), nil
}

func checkDNSName(name string) error {
	if name == "" {
		return fmt.Errorf("is empty")
	}
	if len(name) > MaxNameLength {
		return fmt.Errorf("is longer than %d bytes", MaxNameLength)
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("must be dot-separated labels of 1 to 63 characters")
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("has a label starting or ending with '-'")
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return fmt.Errorf("may hold only letters, digits, '-' and '.'")
			}
		}
	}
	return nil
}

// CheckServerID checks a server id: 1–128 bytes of letters, digits and
// "._:-", not "." and without "..". It is a key and a URL segment, never
// normalised.
func CheckServerID(id string) error {
	bad := func(why string) error { return fmt.Errorf("%w: server id %s", handlers.ErrInvalid, why) }
	switch {
	case id == "":
		return bad("is empty")
	case len(id) > 128:
		return bad("is longer than 128 bytes")
	case id == "." || strings.Contains(id, ".."):
		return bad(`may not be "." or contain ".."`)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)) {
			return bad("may hold only letters, digits and '.', '_', ':', '-'")
		}
	}
	return nil
}

// checkServerHost accepts a DNS name or an IP address (IPv6 without
// brackets) for the host a server runs on.
func checkServerHost(host string) error {
	if host == "" {
		return fmt.Errorf("%w: server host is required", handlers.ErrInvalid)
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if err := checkDNSName(host); err != nil {
		return fmt.Errorf("%w: server host must be an IP address or a DNS name: it %w", handlers.ErrInvalid, err)
	}
	return nil
}

func checkPort(what string, port int) error {
	if port < 0 || port > 65535 {
		return fmt.Errorf("%w: %s must be between 1 and 65535", handlers.ErrInvalid, what)
	}
	return nil
}

// checkScheme accepts an RFC 3986 scheme of at most 32 characters.
func checkScheme(s string) error {
	if s == "" {
		return nil
	}
	bad := fmt.Errorf("%w: scheme must be a URI scheme (a letter, then letters, digits, '+', '-', '.'; at most 32)", handlers.ErrInvalid)
	if len(s) > 32 || !(s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z') {
		return bad
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-.", r)) {
			return bad
		}
	}
	return nil
}
