package vhost

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
)

// In-package: parseDName is the decoder of SelfSignedSSL's dname.

// FuzzParseDName: an accepted dname is DER that reads back as one RDN per
// pair, each a supported attribute with a printable UTF-8 value of at most
// maxDNameValue bytes; written again in the string form (escaping '\' and
// ',', and a leading space) it parses to the same DER.
func FuzzParseDName(f *testing.F) {
	for _, s := range []string{
		"CN=ssltest.yahoo.com, OU=Unknown, O=Unknown", `CN=a\, b, O=Org, C=DE`, "cn=x,c=de", "CN=x, C=Germany", "XX=1",
		"", ",", "CN=", "CN", "CN=a=b", `CN=a\`, `CN=\ a`, `CN=a\ `, `CN=a\\`, "CN=\xff", "CN=a\x00b", "CN=" + strings.Repeat("x", 65),
		"SERIALNUMBER=1, STREET=Main St 1, POSTALCODE=12345, L=Town, ST=State, S=State",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		der, err := parseDName(s)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("parseDName(%q) = %v, not ErrInvalid", s, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("parseDName(%q): unprintable error %q", s, msg)
			}
			return
		}
		var seq pkix.RDNSequence
		if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) != 0 {
			t.Fatalf("parseDName(%q): DER does not read back: %v", s, err)
		}
		names := map[string]string{}
		for k, oid := range dnameAttributes {
			if k != "S" { // ST's alias
				names[oid.String()] = k
			}
		}
		var parts []string
		for _, rdn := range slices.Backward(seq) {
			if len(rdn) != 1 {
				t.Fatalf("parseDName(%q): RDN of %d attributes", s, len(rdn))
			}
			k, known := names[rdn[0].Type.String()]
			v, isString := rdn[0].Value.(string)
			if !known || !isString || v == "" || len(v) > maxDNameValue || !utf8.ValidString(v) ||
				strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) {
				t.Fatalf("parseDName(%q): attribute %v = %q", s, rdn[0].Type, rdn[0].Value)
			}
			parts = append(parts, k+"="+escapeDName(v))
		}
		again, err := parseDName(strings.Join(parts, ", "))
		if err != nil || string(again) != string(der) {
			t.Fatalf("parseDName(%q) does not survive being written as %q: %v", s, strings.Join(parts, ", "), err)
		}
	})
}

func escapeDName(v string) string {
	var b strings.Builder
	for i, r := range v {
		if r == '\\' || r == ',' || i == 0 && unicode.IsSpace(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
