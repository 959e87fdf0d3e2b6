package secretpath

import (
	"fmt"
	"strings"
)

// TenantPolicyName is the name of a tenant's ACL policy, "{tenant}_policy"
// as in seed 000 ("Vault Group and Policy Provisioning").
func TenantPolicyName(tenant string) (string, error) {
	if err := checkPolicySegment("tenant", tenant); err != nil {
		return "", err
	}
	return tenant + "_policy", nil
}

// policyRule is one path block of a tenant policy: a suffix after
// "{mount}/{kind}/{scope}/{tenant}" and the capabilities granted there.
type policyRule struct {
	kind, suffix string
	caps         []string
}

// tenantRules are, per scope, everything a tenant-scoped Vault token needs
// for the KV v2 operations of handlers.SecretStore, and nothing outside the
// tenant's own folder. Every glob starts after "{tenant}/", so tenant "t"
// never matches tenant "t2"'s paths.
var tenantRules = []policyRule{
	{"data", "/*", []string{"create", "read", "update", "patch", "delete", "list"}},
	// update: a write of a second or later version records the secret's
	// creation time in its custom_metadata, so that a GET is one data read
	// (the Vault store's Read). A tenant provisioned before this has no
	// update here: its writes still succeed, its GETs of such versions
	// read the metadata too (two requests), until its policy is replaced
	// with these rules (PATCH of policy "{tenant}_policy" through the
	// identity API by a tenant or platform admin, or a Vault policy
	// write). No create: a metadata write never makes a secret that is
	// not there.
	{"metadata", "/*", []string{"read", "update", "list", "delete"}},
	// LIST of the tenant folder itself (Vault adds the trailing slash).
	{"metadata", "/", []string{"list"}},
	{"metadata", "", []string{"list"}},
	{"delete", "/*", []string{"update"}},
	{"undelete", "/*", []string{"update"}},
	{"destroy", "/*", []string{"update"}},
}

// TenantPolicyHCL returns the ACL policy (HCL) confining a token to tenant's
// secrets under the KV v2 mount, for every scope of the path table. mount is
// the mount path without slashes at either end ("hypo"); it may have several
// segments ("kv/hypo"). The output is deterministic, so a policy can be
// compared or re-applied idempotently.
func TenantPolicyHCL(mount, tenant string) (string, error) {
	if err := checkMount(mount); err != nil {
		return "", fmt.Errorf("tenant policy: %w", err)
	}
	if err := checkPolicySegment("tenant", tenant); err != nil {
		return "", fmt.Errorf("tenant policy: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Tenant %s: KV v2 secrets under %s/, every scope.\n", tenant, mount)
	for _, scope := range Scopes {
		for _, r := range tenantRules {
			path := mount + "/" + r.kind + "/" + string(scope) + "/" + tenant + r.suffix
			fmt.Fprintf(&b, "path %q {\n  capabilities = [%s]\n}\n", path, quoteAll(r.caps))
		}
	}
	return b.String(), nil
}

// checkMount accepts one or more path segments joined by '/', each a valid
// segment, with no leading or trailing slash.
func checkMount(mount string) error {
	if mount == "" {
		return fmt.Errorf("%w: mount is empty", ErrInvalid)
	}
	for seg := range strings.SplitSeq(mount, "/") {
		if err := checkPolicySegment("mount segment", seg); err != nil {
			return err
		}
	}
	return nil
}

// checkPolicySegment is CheckSegment plus '+', which a Vault policy path
// reads as a one-segment wildcard: a tenant "+" would be granted every
// tenant's folder.
func checkPolicySegment(what, value string) error {
	if err := CheckSegment(what, value); err != nil {
		return err
	}
	if strings.Contains(value, "+") {
		return fmt.Errorf("%w: %s contains '+', a wildcard in Vault policy paths", ErrInvalid, what)
	}
	return nil
}

func quoteAll(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(quoted, ", ")
}
