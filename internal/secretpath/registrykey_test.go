package secretpath_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/secretpath"
)

func TestRegistryKey(t *testing.T) {
	t.Parallel()
	const seedKey = "charts.example.com~myrepo"
	for _, tc := range []struct {
		name, want string // want "" = refused
	}{
		{"https://charts.example.com/myrepo", seedKey},
		{"charts.example.com/myrepo", seedKey},
		{"https://charts.example.com/myrepo/", seedKey},
		{"charts.example.com/myrepo//", seedKey},
		{"HTTPS://Charts.Example.COM/myrepo", seedKey},
		{"https://charts.example.com:443/myrepo", seedKey},
		{"https://charts.example.com:/myrepo", seedKey},
		{"http://charts.example.com:80/myrepo", seedKey},
		{"oci://charts.example.com/myrepo", seedKey},
		{"charts.example.com/my%72epo", seedKey},
		{"charts.example.com/MyRepo", "charts.example.com~MyRepo"},
		{"registry.example.eu/myrepo/charts", "registry.example.eu~myrepo~charts"},
		{"registry.example.eu", "registry.example.eu"},
		{"my-helm-creds", "my-helm-creds"},
		{"localhost:5000/x", "localhost:5000~x"},
		{"https://h:08443", "h:8443"},
		{"h/a~b", "h~a!7Eb"},
		{"h/a%7eb", "h~a!7Eb"},
		{"h/a%2fb", "h~a!252Fb"},
		{"h/a/b", "h~a~b"},
		{"h/a//b", "h~a~~b"},
		{"h/a!b", "h~a!21b"},
		{"h/a...b", "h~a.!2E!2Eb"},
		{"h/.hidden", "h~.hidden"},
		{".h", "!2Eh"},
		{"[::1]:5000/x", "!5B::1!5D:5000~x"},
		{"h/ü", "h~!C3!BC"},
		{"h/a=b,c;d", "h~a!3Db!2Cc!3Bd"},
		{"h/" + strings.Repeat("x", 254), ""},
		{"h/" + strings.Repeat("x", 253), "h~" + strings.Repeat("x", 253)},
		{"", ""},
		{".", ""},
		{"..", ""},
		{"https://../x", ""},
		{"https://", ""},
		{"https:///x", ""},
		{"ftp://h/x", ""},
		{"git+ssh://h/x", ""},
		{"https://u:p@h/x", ""},
		{"git@github.com:org/repo", ""},
		{"h/x?y=1", ""},
		{"h/x#f", ""},
		{"h/../x", ""},
		{"h/./x", ""},
		{"h/%2e%2E/x", ""},
		{"h/%zz", ""},
		{"h/%4", ""},
		{"%41h", ""},
		{"h:abc", ""},
		{"h:0", ""},
		{"h:65536", ""},
		{"h:1:2", ""},
		{"[::1", ""},
		{"[::1]x", ""},
		{"a b", ""},
		{"h/\x00", ""},
		{"h/tab\t", ""},
		{`h\x`, ""},
		{"h/zero\u200bwidth", ""},
		{"bad\xffutf8", ""},
		{"h/a\ufffdb", ""},
		{"h/" + strings.Repeat("x", secretpath.MaxRegistryName), ""},
	} {
		got, err := secretpath.RegistryKey(tc.name)
		switch {
		case tc.want == "" && !errors.Is(err, secretpath.ErrInvalid):
			t.Errorf("RegistryKey(%q) = %q, %v; want ErrInvalid", tc.name, got, err)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("RegistryKey(%q) = %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x00\t\n") {
			t.Errorf("error carries control bytes: %q", err)
		}
	}
}

func TestParseRegistryKeyRefusesForeignKeys(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "h!7e", "h!7", "!41h", "h~", "h~.", "h:443", "a..b", "a b", "H", "h%20"} {
		if n, err := secretpath.ParseRegistryKey(key); !errors.Is(err, secretpath.ErrInvalid) {
			t.Errorf("ParseRegistryKey(%q) = %q, %v; want ErrInvalid", key, n, err)
		}
	}
	if n, err := secretpath.ParseRegistryKey("charts.example.com~myrepo"); err != nil || n != "charts.example.com/myrepo" {
		t.Errorf("ParseRegistryKey = %q, %v", n, err)
	}
}

var registrySeeds = []string{
	"https://charts.example.com/myrepo", "registry.example.eu/myrepo/charts", "h/a~b", "h/a%7eb",
	"h/a!21", "h/a!b", "h/a...b", "[::1]:5000", "h:443", "HTTP://H:80/A/", "h/%2F", "h//x", ".", "..", "h/ü",
}

// FuzzRegistryKey proves, on every accepted name, that the key is one valid
// path segment and that ParseRegistryKey recovers the normalised name from
// it: a left inverse, so the key is injective on normalised names.
func FuzzRegistryKey(f *testing.F) {
	for _, s := range registrySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		key, err := secretpath.RegistryKey(name)
		if err != nil {
			return
		}
		if err := secretpath.CheckSegment("key", key); err != nil {
			t.Fatalf("RegistryKey(%q) = %q, which CheckSegment refuses: %v", name, key, err)
		}
		norm, err := secretpath.NormalizeRegistryName(name)
		if err != nil {
			t.Fatalf("RegistryKey accepted %q, NormalizeRegistryName refuses it: %v", name, err)
		}
		back, err := secretpath.ParseRegistryKey(key)
		if err != nil || back != norm {
			t.Fatalf("ParseRegistryKey(RegistryKey(%q) = %q) = %q, %v; want %q", name, key, back, err, norm)
		}
		if again, err := secretpath.RegistryKey(norm); err != nil || again != key {
			t.Fatalf("the normalised form %q of %q has key %q, %v; want %q", norm, name, again, err, key)
		}
	})
}

// FuzzRegistryKeyInjective checks two names directly: the same key only for
// the same normalised name.
func FuzzRegistryKeyInjective(f *testing.F) {
	for i, s := range registrySeeds {
		f.Add(s, registrySeeds[(i+1)%len(registrySeeds)])
	}
	f.Add("h/a~b", "h/a%7Eb")
	f.Add("h/a/b", "h/a%2Fb")
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, errA := secretpath.RegistryKey(a)
		kb, errB := secretpath.RegistryKey(b)
		if errA != nil || errB != nil || ka != kb {
			return
		}
		na, _ := secretpath.NormalizeRegistryName(a)
		nb, _ := secretpath.NormalizeRegistryName(b)
		if na != nb {
			t.Fatalf("%q and %q share key %q but normalise to %q and %q", a, b, ka, na, nb)
		}
	})
}
