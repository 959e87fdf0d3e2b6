package vhost_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
)

// FuzzNormalizeName: an accepted virtual host name is lower-case ASCII
// DNS labels within DNS's bounds, and its own normal form.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"ssltest.yahoo.com", "test.reg.yahoo.com", "Svc.Example", "a", "a-b.c", "-a", "a-", "a..b", ".a", "a.",
		"", "a_b", "ä.example", "\xff", strings.Repeat("a", 64), strings.Repeat("a.", 127) + "a", "xn--bcher-kva.example", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := vhost.NormalizeName(name)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("NormalizeName(%q) = %v, not ErrInvalid", name, err)
			}
			return
		}
		if !strings.EqualFold(n, name) || n != strings.ToLower(n) || len(n) > vhost.MaxNameLength {
			t.Fatalf("NormalizeName(%q) = %q", name, n)
		}
		for label := range strings.SplitSeq(n, ".") {
			if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") ||
				strings.ContainsFunc(label, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
				t.Fatalf("NormalizeName(%q) = %q, with label %q", name, n, label)
			}
		}
		if again, err := vhost.NormalizeName(n); err != nil || again != n {
			t.Fatalf("NormalizeName(%q) = %q, then %q, %v", name, n, again, err)
		}
	})
}

// FuzzCheckServerID: an accepted id is one safe URL and key segment.
func FuzzCheckServerID(f *testing.F) {
	for _, s := range []string{"server-1", "10.0.0.1:8080", "a.b_c", ".", "..", "a..b", "", "a/b", "a%2f", "\xff", strings.Repeat("s", 129)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		err := vhost.CheckServerID(id)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("CheckServerID(%q) = %v, not ErrInvalid", id, err)
			}
			return
		}
		if id == "" || len(id) > 128 || id == "." || strings.Contains(id, "..") ||
			strings.ContainsFunc(id, func(r rune) bool {
				return r > unicode.MaxASCII || !strings.ContainsRune("._:-", r) && !unicode.IsLetter(r) && !unicode.IsDigit(r)
			}) {
			t.Fatalf("CheckServerID accepted %q", id)
		}
	})
}

// FuzzParseOwner: an accepted owner has a printable UTF-8 name of 1 to 255
// bytes, and its canonical form ("user:NAME", "group:/NAME") reads back as
// the same owner, so an owner list survives being stored and replayed.
func FuzzParseOwner(f *testing.F) {
	for _, s := range []string{"alice", "user:alice", "user:svc:x", "group:ops", "group:/ops", "group://ops", "yca:some-role",
		"", "user:", "group:", "group:/", "user:a b", "group:\n", "\xff", "user:\xff", "\xff:x", "gr\x00up:x", ":x", strings.Repeat("o", 256)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := vhost.ParseOwner(s)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) {
				t.Fatalf("ParseOwner(%q) = %v, not ErrInvalid", s, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("ParseOwner(%q): unprintable error %q", s, msg)
			}
			return
		}
		if o.Name == "" || len(o.Name) > 255 || !utf8.ValidString(o.Name) ||
			strings.ContainsFunc(o.Name, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) }) {
			t.Fatalf("ParseOwner(%q) = %+v", s, o)
		}
		canonical := "user:" + o.Name
		switch o.Kind {
		case vhost.OwnerUser:
		case vhost.OwnerGroup:
			canonical = "group:/" + o.Name
		default:
			if vhost.CheckOwnerType(o.Kind) != nil {
				t.Fatalf("ParseOwner(%q): kind %q", s, o.Kind)
			}
			canonical = o.Kind + ":" + o.Name
		}
		if back, err := vhost.ParseOwner(canonical); err != nil || back != o {
			t.Fatalf("ParseOwner(%q) = %+v; its canonical form %q reads %+v, %v", s, o, canonical, back, err)
		}
	})
}
