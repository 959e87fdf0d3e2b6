package vhost

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/secretpath"
)

// dnameAttributes are the attribute names a dname may use (Java keytool's
// -dname names, case-insensitive), with their X.520 object identifiers.
var dnameAttributes = map[string]asn1.ObjectIdentifier{
	"CN":           {2, 5, 4, 3},
	"SERIALNUMBER": {2, 5, 4, 5},
	"C":            {2, 5, 4, 6},
	"L":            {2, 5, 4, 7},
	"ST":           {2, 5, 4, 8},
	"S":            {2, 5, 4, 8},
	"STREET":       {2, 5, 4, 9},
	"O":            {2, 5, 4, 10},
	"OU":           {2, 5, 4, 11},
	"POSTALCODE":   {2, 5, 4, 17},
}

// maxDNameValue is the X.520 upper bound of most name attributes (ub-name).
const maxDNameValue = 64

// parseDName reads a distinguished name in the string form seed 004 uses,
// "CN=apache, OU=yarn, O=registry": comma-separated NAME=value pairs, most
// specific first, with '\' escaping a ',', '=', '+', '"' or '\' in a value.
// It returns the DER subject with the RDNs in that order reversed, as
// RFC 4514 reads a string (the last RDN of the sequence comes first).
func parseDName(s string) ([]byte, error) {
	bad := func(format string, a ...any) ([]byte, error) {
		return nil, fmt.Errorf("%w: SelfSignedSSL dname %s", handlers.ErrInvalid, fmt.Sprintf(format, a...))
	}
	parts, err := splitUnescaped(s)
	if err != nil {
		return bad("%v", err)
	}
	var seq pkix.RDNSequence
	for _, part := range parts {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return bad("must be NAME=value pairs separated by ','")
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		oid, known := dnameAttributes[k]
		if !known {
			return bad("attribute %q is not supported (CN, OU, O, L, ST, C, STREET, POSTALCODE, SERIALNUMBER)", secretpath.Printable(k))
		}
		v = unescapeDName(strings.TrimSpace(v))
		switch {
		case v == "":
			return bad("attribute %s is empty", k)
		case len(v) > maxDNameValue:
			return bad("attribute %s is longer than %d bytes", k, maxDNameValue)
		case k == "C" && (len(v) != 2 || !isUpperASCII(v)):
			return bad("attribute C must be a two-letter country code")
		}
		for _, r := range v {
			if !unicode.IsPrint(r) {
				return bad("attribute %s holds a control or invisible character", k)
			}
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: v}})
	}
	if len(seq) == 0 {
		return bad("is empty")
	}
	slices.Reverse(seq)
	der, err := asn1.Marshal(seq)
	if err != nil {
		return bad("cannot be encoded")
	}
	return der, nil
}

// splitUnescaped splits s on commas not preceded by a backslash, keeping
// the escapes for unescapeDName.
func splitUnescaped(s string) ([]string, error) {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return nil, fmt.Errorf("ends with a lone '\\'")
			}
			cur.WriteByte(c)
			cur.WriteByte(s[i+1])
			i++
		case ',':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(parts, cur.String()), nil
}

func unescapeDName(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

func isUpperASCII(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
