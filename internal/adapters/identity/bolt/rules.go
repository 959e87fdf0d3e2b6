package bolt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"

	"github.com/hypo-registry/registry/handlers"
)

// What Vault accepts in a policy (vault/policy.go, parseACLPolicyWithTemplating).
var (
	topLevelKeys = []string{"name", "path"}
	pathKeys     = []string{
		"comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
		"required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods",
		"control_group", "subscribe_event_types",
	}
	capabilities = []string{
		"deny", "create", "read", "update", "delete", "list", "sudo", "patch", "subscribe", "recover",
	}
)

// checkRules refuses what Vault's ACL parser (vault/policy.go) refuses, so a
// policy the embedded store accepts would also load in Vault. It checks: the
// rules are not blank (Vault would store a blank policy; both adapters
// refuse it); they parse as HCL v1 (or its JSON form) with the parser Vault
// uses, duplicate keys refused as Vault does by default; the top level holds
// only "name" (a string) and "path" blocks; each path block has only Vault's
// keys, each of the type Vault decodes it to; "policy" is deny/read/write/
// sudo; every capability is one Vault knows; no "+*" wildcard; wrapping TTLs
// parse and min <= max; control-group factors are complete. It does not
// check ACL templating ({{…}} in paths), which Vault only validates loosely
// on write either.
func checkRules(rules string) error {
	if strings.TrimSpace(rules) == "" {
		return fmt.Errorf("%w: policy rules are empty", handlers.ErrInvalid)
	}
	root, err := hcl.Parse(rules)
	if err != nil {
		return fmt.Errorf("%w: policy rules: %w", handlers.ErrInvalid, err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return fmt.Errorf("%w: policy rules: no root object", handlers.ErrInvalid)
	}
	if err := checkKeys(list, topLevelKeys); err != nil {
		return fmt.Errorf("%w: policy rules: %w", handlers.ErrInvalid, err)
	}
	var top struct {
		Name string `hcl:"name"`
	}
	if err := hcl.DecodeObject(&top, list); err != nil {
		return fmt.Errorf("%w: policy rules: %w", handlers.ErrInvalid, err)
	}
	for _, item := range list.Filter("path").Items {
		if err := checkPath(item); err != nil {
			return err
		}
	}
	return nil
}

// checkKeys refuses keys outside valid, as Vault's hclutil.CheckHCLKeys.
func checkKeys(list *ast.ObjectList, valid []string) error {
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			return errors.New("item without a key")
		}
		// The parser makes only IDENT and STRING keys, whose value is a string.
		key, ok := item.Keys[0].Token.Value().(string)
		if !ok || !slices.Contains(valid, key) {
			return fmt.Errorf("invalid key %s on line %d", item.Keys[0].Token.Text, item.Keys[0].Token.Pos.Line)
		}
	}
	return nil
}
