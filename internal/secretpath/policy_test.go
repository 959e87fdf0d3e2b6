package secretpath_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/secretpath"
)

func TestTenantPolicyHCL(t *testing.T) {
	t.Parallel()
	hcl, err := secretpath.TenantPolicyHCL("hypo", "tenant-a")
	if err != nil {
		t.Fatalf("TenantPolicyHCL: %v", err)
	}
	for _, scope := range secretpath.Scopes {
		for _, want := range []string{
			fmt.Sprintf("path \"hypo/data/%s/tenant-a/*\" {\n  capabilities = [\"create\", \"read\", \"update\", \"patch\", \"delete\", \"list\"]\n}", scope),
			fmt.Sprintf("path \"hypo/metadata/%s/tenant-a/*\" {\n  capabilities = [\"read\", \"update\", \"list\", \"delete\"]\n}", scope),
			fmt.Sprintf("path \"hypo/metadata/%s/tenant-a/\" {\n  capabilities = [\"list\"]\n}", scope),
			fmt.Sprintf("path \"hypo/metadata/%s/tenant-a\" {\n  capabilities = [\"list\"]\n}", scope),
			fmt.Sprintf("path \"hypo/delete/%s/tenant-a/*\" {\n  capabilities = [\"update\"]\n}", scope),
			fmt.Sprintf("path \"hypo/undelete/%s/tenant-a/*\" {\n  capabilities = [\"update\"]\n}", scope),
			fmt.Sprintf("path \"hypo/destroy/%s/tenant-a/*\" {\n  capabilities = [\"update\"]\n}", scope),
		} {
			if !strings.Contains(hcl, want) {
				t.Errorf("policy lacks\n%s", want)
			}
		}
	}
	if got, want := strings.Count(hcl, "path \""), 7*len(secretpath.Scopes); got != want {
		t.Errorf("policy has %d path blocks, want %d", got, want)
	}
	// Every path stays inside the tenant's own folders of the mount.
	for _, line := range strings.Split(hcl, "\n") {
		if strings.HasPrefix(line, "path ") && !strings.Contains(line, "/tenant-a") {
			t.Errorf("path outside the tenant: %s", line)
		}
	}
	again, _ := secretpath.TenantPolicyHCL("hypo", "tenant-a")
	if again != hcl {
		t.Error("TenantPolicyHCL is not deterministic")
	}
}

func TestTenantPolicyHCLNestedMount(t *testing.T) {
	t.Parallel()
	hcl, err := secretpath.TenantPolicyHCL("kv/hypo", "t")
	if err != nil {
		t.Fatalf("TenantPolicyHCL: %v", err)
	}
	if !strings.Contains(hcl, `path "kv/hypo/data/image-pull/t/*"`) {
		t.Errorf("nested mount not used:\n%s", hcl)
	}
}

func TestTenantPolicyHCLRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, mount, tenant string
	}{
		{"empty mount", "", "t"},
		{"leading slash", "/hypo", "t"},
		{"trailing slash", "hypo/", "t"},
		{"dot dot mount", "hypo/..", "t"},
		{"glob mount", "hy*", "t"},
		{"empty tenant", "hypo", ""},
		{"slash in tenant", "hypo", "a/b"},
		{"glob tenant", "hypo", "*"},
		{"segment wildcard tenant", "hypo", "+"},
		{"plus inside tenant", "hypo", "a+b"},
		{"quote in tenant", "hypo", `a"b`},
		{"newline in tenant", "hypo", "a\nb"},
		{"interpolation", "hypo", "${x}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hcl, err := secretpath.TenantPolicyHCL(tc.mount, tc.tenant)
			if !errors.Is(err, secretpath.ErrInvalid) {
				t.Fatalf("TenantPolicyHCL(%q, %q) = %q, %v; want ErrInvalid", tc.mount, tc.tenant, hcl, err)
			}
		})
	}
}

func TestTenantPolicyName(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tenant, want string // want "" = refused
	}{
		{"tenant-a", "tenant-a_policy"},
		{"", ""},
		{"+", ""},
		{"a/b", ""},
	} {
		got, err := secretpath.TenantPolicyName(tc.tenant)
		switch {
		case tc.want == "" && !errors.Is(err, secretpath.ErrInvalid):
			t.Errorf("TenantPolicyName(%q) = %q, %v; want ErrInvalid", tc.tenant, got, err)
		case tc.want != "" && (err != nil || got != tc.want):
			t.Errorf("TenantPolicyName(%q) = %q, %v; want %q", tc.tenant, got, err, tc.want)
		}
	}
}
