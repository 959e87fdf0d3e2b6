package secretpath_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/secretpath"
)

func TestNew(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		scope        secretpath.Scope
		tenant, name string
		want         string // "" = refused
	}{
		{secretpath.ImagePull, "tenant-a", "my-secret", "image-pull/tenant-a/my-secret"},
		{secretpath.PackageRegistry, "t", "charts.example.com", "package-registry/t/charts.example.com"},
		{secretpath.KubernetesConfig, "t", "790daa4d-7f56-4575-8b64-c558cf518bed", "kubernetes-config/t/790daa4d-7f56-4575-8b64-c558cf518bed"},
		{secretpath.KubernetesSAConfig, "t", "svc", "kubernetes-sa-config/t/svc"},
		{secretpath.FabricSecret, "t", "ctrl-1", "fabric-secret/t/ctrl-1"},
		{secretpath.ServiceOrderData, "t", "svc", "service-order-data/t/svc"},
		{secretpath.ImagePull, "t", "host:5000", "image-pull/t/host:5000"},
		{"kv", "t", "n", ""},
		{secretpath.ImagePull, "", "n", ""},
		{secretpath.ImagePull, "t", "", ""},
		{secretpath.ImagePull, "t", ".", ""},
		{secretpath.ImagePull, "t", "..", ""},
		{secretpath.ImagePull, "t", "a..b", ""},
		{secretpath.ImagePull, "..", "n", ""},
		{secretpath.ImagePull, "t", "a/b", ""},
		{secretpath.ImagePull, "t/u", "n", ""},
		{secretpath.ImagePull, "t", `a\b`, ""},
		{secretpath.ImagePull, "t", "nul\x00", ""},
		{secretpath.ImagePull, "t", "tab\there", ""},
		{secretpath.ImagePull, "t", "line\nbreak", ""},
		{secretpath.ImagePull, "t", "del\x7f", ""},
		{secretpath.ImagePull, "t", "zero\u200bwidth", ""},
		{secretpath.ImagePull, "t", "sp ace", ""},
		{secretpath.ImagePull, "t", "q?x", ""},
		{secretpath.ImagePull, "+", "n", ""},
		{secretpath.ImagePull, "t", "a+b", ""},
		{secretpath.ImagePull, "Tenant-A", "n", ""},
		{secretpath.ImagePull, "t", "Mixed-Case-Name", "image-pull/t/Mixed-Case-Name"},
		{secretpath.ImagePull, "t", "h#x", ""},
		{secretpath.ImagePull, "t", "pct%2F", ""},
		{secretpath.ImagePull, "t", "bad\xffutf8", ""},
		{secretpath.ImagePull, "t", "ab\ufffdcd", ""},
		{secretpath.ImagePull, "t\ufffd", "n", ""},
		{secretpath.ImagePull, "t", "caf\u00e9", "image-pull/t/caf\u00e9"},
		{secretpath.ImagePull, "t", strings.Repeat("x", 256), ""},
		{secretpath.ImagePull, "t", strings.Repeat("x", 255), "image-pull/t/" + strings.Repeat("x", 255)},
	} {
		p, err := secretpath.New(tc.scope, tc.tenant, tc.name)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("New(%q, %q, %q) = %q, want refused", tc.scope, tc.tenant, tc.name, p)
		case tc.want == "" && !errors.Is(err, secretpath.ErrInvalid):
			t.Errorf("New(%q, %q, %q): error %v does not wrap ErrInvalid", tc.scope, tc.tenant, tc.name, err)
		case tc.want != "" && err != nil:
			t.Errorf("New(%q, %q, %q): %v", tc.scope, tc.tenant, tc.name, err)
		case tc.want != "" && p.String() != tc.want:
			t.Errorf("New(%q, %q, %q) = %q, want %q", tc.scope, tc.tenant, tc.name, p, tc.want)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x00\n\t\x7f") {
			t.Errorf("error carries control bytes: %q", err)
		}
	}
}

func TestPrefix(t *testing.T) {
	t.Parallel()
	got, err := secretpath.Prefix(secretpath.FabricSecret, "tenant-a")
	if err != nil || got != "fabric-secret/tenant-a/" {
		t.Errorf("Prefix = %q, %v", got, err)
	}
	if _, err := secretpath.Prefix(secretpath.FabricSecret, "../x"); err == nil {
		t.Error("Prefix accepted a bad tenant")
	}
}

func FuzzNewNeverEscapesTenant(f *testing.F) {
	for _, s := range []string{"a", "..", "a/b", "%2e", "\x00", "ok-name"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		p, err := secretpath.New(secretpath.ImagePull, "tenant-a", name)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p.String(), "image-pull/tenant-a/") || strings.Count(p.String(), "/") != 2 || strings.Contains(p.String(), "..") {
			t.Fatalf("name %q made path %q", name, p)
		}
	})
}
