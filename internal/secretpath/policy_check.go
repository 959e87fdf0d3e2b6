package secretpath

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// policyKinds are the KV v2 endpoints a tenant policy may name.
var policyKinds = []string{"data", "metadata", "delete", "undelete", "destroy"}

// CheckTenantRules reports why the ACL policy rules reach outside tenant's
// own folders under mount: every path block must name
// "{mount}/{data|metadata|delete|undelete|destroy}/{scope}/{tenant}", alone
// or followed by "/" and anything (globs included: they then stay inside
// the folder). A glob or "+" before the tenant segment, a templated path
// ({{…}}) or another mount is refused. Rules that do not parse are refused
// too; their full check is the identity store's.
func CheckTenantRules(mount, tenant, rules string) error {
	if err := checkMount(mount); err != nil {
		return err
	}
	if err := CheckTenant(tenant); err != nil {
		return err
	}
	root, err := hcl.Parse(rules)
	if err != nil {
		return fmt.Errorf("%w: policy rules do not parse", ErrInvalid)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return fmt.Errorf("%w: policy rules: no root object", ErrInvalid)
	}
	for _, item := range list.Filter("path").Items {
		path := ""
		if len(item.Keys) > 0 {
			path, _ = item.Keys[0].Token.Value().(string)
		}
		if !tenantPath(mount, tenant, path) {
			return fmt.Errorf("path %q is outside tenant %s's folders (%s/<kind>/<scope>/%s/…)", Printable(path), tenant, mount, tenant)
		}
	}
	return nil
}

func tenantPath(mount, tenant, path string) bool {
	if strings.Contains(path, "{{") || strings.Contains(path, "..") || strings.Contains(path, "//") {
		return false // templates, and anything a path cleaner would rewrite
	}
	rest, ok := strings.CutPrefix(path, mount+"/")
	if !ok {
		return false
	}
	kind, rest, ok := strings.Cut(rest, "/")
	if !ok || !slices.Contains(policyKinds, kind) {
		return false
	}
	scope, rest, ok := strings.Cut(rest, "/")
	if !ok || !Scope(scope).Valid() {
		return false
	}
	rest, ok = strings.CutPrefix(rest, tenant)
	return ok && (rest == "" || rest[0] == '/')
}
