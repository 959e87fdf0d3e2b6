package secretpath_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/internal/secretpath"
)

var segmentSeeds = []string{
	"tenant-a", "my-secret", "a.b", ".", "..", "a..b", "", "a/b", `a\b`, "a b", "\x00", "\xff", "\u200b",
	"+", "*", "a%2e", "Tenant-A", "ünïcode", "a\u2028b", strings.Repeat("a", 255), strings.Repeat("a", 256),
}

// segmentOK is what a path segment must be, restated without sharing code
// with CheckSegment.
func segmentOK(t *testing.T, what, s string) {
	t.Helper()
	switch {
	case s == "" || len(s) > secretpath.MaxSegment || !utf8.ValidString(s):
		t.Fatalf("%s %q accepted: empty, too long or not UTF-8", what, s)
	case s == "." || strings.Contains(s, "..") || strings.ContainsAny(s, `/\+*`):
		t.Fatalf("%s %q accepted: a dot segment, a separator or a wildcard", what, s)
	}
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsGraphic(r) {
			t.Fatalf("%s %q accepted with %U", what, s, r)
		}
	}
}

func FuzzCheckSegment(f *testing.F) {
	for _, s := range segmentSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := secretpath.CheckSegment("name", s)
		if err != nil {
			if !errors.Is(err, secretpath.ErrInvalid) {
				t.Fatalf("CheckSegment(%q) = %v, not ErrInvalid", s, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("CheckSegment(%q): unprintable error %q", s, msg)
			}
			return
		}
		segmentOK(t, "name", s)
	})
}

// FuzzNewTenantAndName fuzzes both segments: the path is always the scope,
// the tenant and the name, in three segments, under the tenant's prefix.
func FuzzNewTenantAndName(f *testing.F) {
	for i, s := range segmentSeeds {
		f.Add(s, segmentSeeds[(i+3)%len(segmentSeeds)])
	}
	f.Fuzz(func(t *testing.T, tenant, name string) {
		for _, scope := range secretpath.Scopes {
			p, err := secretpath.New(scope, tenant, name)
			prefix, perr := secretpath.Prefix(scope, tenant)
			if (perr == nil) != (secretpath.CheckTenant(tenant) == nil) {
				t.Fatalf("Prefix and CheckTenant disagree on %q", tenant)
			}
			if err != nil {
				if !errors.Is(err, secretpath.ErrInvalid) {
					t.Fatalf("New(%q, %q) = %v, not ErrInvalid", tenant, name, err)
				}
				continue
			}
			segmentOK(t, "tenant", tenant)
			segmentOK(t, "name", name)
			if strings.ToLower(tenant) != tenant {
				t.Fatalf("tenant %q accepted with upper case", tenant)
			}
			s := p.String()
			if perr != nil || !strings.HasPrefix(s, prefix) || s != prefix+name || strings.Count(s, "/") != 2 {
				t.Fatalf("New(%q, %q) = %q, prefix %q (%v)", tenant, name, s, prefix, perr)
			}
		}
	})
}

// FuzzTenantPolicyHCL: an accepted tenant gets a policy whose every path
// lies inside its own folder of some scope, and nowhere else.
func FuzzTenantPolicyHCL(f *testing.F) {
	for _, s := range segmentSeeds {
		f.Add("hypo", s)
	}
	f.Add("kv/hypo", "tenant-a")
	f.Add("kv//hypo", "tenant-a")
	f.Add("/hypo", "tenant-a")
	f.Fuzz(func(t *testing.T, mount, tenant string) {
		hcl, err := secretpath.TenantPolicyHCL(mount, tenant)
		name, nerr := secretpath.TenantPolicyName(tenant)
		if err != nil {
			if !errors.Is(err, secretpath.ErrInvalid) {
				t.Fatalf("TenantPolicyHCL(%q, %q) = %v, not ErrInvalid", mount, tenant, err)
			}
			return
		}
		if nerr != nil || name != tenant+"_policy" {
			t.Fatalf("policy for %q written, but its name is %q, %v", tenant, name, nerr)
		}
		segmentOK(t, "tenant", tenant)
		n := 0
		for line := range strings.SplitSeq(hcl, "\n") {
			rest, ok := strings.CutPrefix(line, "path \"")
			if !ok {
				continue
			}
			n++
			path := strings.TrimSuffix(rest, "\" {")
			inside := false
			for _, scope := range secretpath.Scopes {
				for _, kind := range []string{"data", "metadata", "delete", "undelete", "destroy"} {
					folder := mount + "/" + kind + "/" + string(scope) + "/" + tenant
					if path == folder || path == folder+"/" || path == folder+"/*" {
						inside = true
					}
				}
			}
			if !inside {
				t.Fatalf("policy of %q under %q grants %q", tenant, mount, path)
			}
		}
		if n == 0 {
			t.Fatalf("policy of %q grants nothing", tenant)
		}
	})
}

// FuzzNormalizeRegistryName: the normal form is a fixed point and never
// holds what the name may not.
func FuzzNormalizeRegistryName(f *testing.F) {
	for _, s := range registrySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := secretpath.NormalizeRegistryName(name)
		if err != nil {
			if !errors.Is(err, secretpath.ErrInvalid) {
				t.Fatalf("NormalizeRegistryName(%q) = %v, not ErrInvalid", name, err)
			}
			return
		}
		if again, err := secretpath.NormalizeRegistryName(n); err != nil || again != n {
			t.Fatalf("NormalizeRegistryName(%q) = %q, whose normal form is %q, %v", name, n, again, err)
		}
		// A path may hold "://" ("0/://0"), the host may not: the scheme is gone.
		host, _, _ := strings.Cut(n, "/")
		if strings.Contains(host, ":/") || strings.Contains(host, "@") || strings.ContainsAny(n, "?# \\") || !utf8.ValidString(n) {
			t.Fatalf("NormalizeRegistryName(%q) = %q", name, n)
		}
		for seg := range strings.SplitSeq(n, "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("NormalizeRegistryName(%q) = %q, with a dot segment", name, n)
			}
		}
	})
}
