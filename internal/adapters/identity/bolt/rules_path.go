package bolt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"

	"github.com/hypo-registry/registry/handlers"
)

// pathRule mirrors the HCL fields of Vault's PathRules, so a value of the
// wrong type fails to decode here as it does there.
type pathRule struct {
	Policy              string           `hcl:"policy"`
	Capabilities        []string         `hcl:"capabilities"`
	MinWrappingTTL      any              `hcl:"min_wrapping_ttl"`
	MaxWrappingTTL      any              `hcl:"max_wrapping_ttl"`
	AllowedParameters   map[string][]any `hcl:"allowed_parameters"`
	DeniedParameters    map[string][]any `hcl:"denied_parameters"`
	RequiredParameters  []string         `hcl:"required_parameters"`
	MFAMethods          []string         `hcl:"mfa_methods"`
	ControlGroup        *controlGroup    `hcl:"control_group"`
	SubscribeEventTypes []string         `hcl:"subscribe_event_types"`
}

type controlGroup struct {
	TTL     any                       `hcl:"ttl"`
	Factors map[string]*controlFactor `hcl:"factor"`
}

type controlFactor struct {
	Identity *struct {
		GroupIDs   []string `hcl:"group_ids"`
		GroupNames []string `hcl:"group_names"`
		Approvals  int      `hcl:"approvals"`
	} `hcl:"identity"`
	ControlledCapabilities []string `hcl:"controlled_capabilities"`
}

func checkPath(item *ast.ObjectItem) error {
	path := "path"
	if len(item.Keys) > 0 {
		path, _ = item.Keys[0].Token.Value().(string)
	}
	if err := checkPathRule(item, path); err != nil {
		return fmt.Errorf("%w: policy rules: path %q: %w", handlers.ErrInvalid, path, err)
	}
	return nil
}

// checkPathRule follows parsePaths in vault/policy.go, in its order: a
// "deny" capability ends the checks of its block there, as in Vault.
func checkPathRule(item *ast.ObjectItem, path string) error {
	obj, ok := item.Val.(*ast.ObjectType)
	if !ok {
		return errors.New("not a block")
	}
	if err := checkKeys(obj.List, pathKeys); err != nil {
		return err
	}
	var rule pathRule
	if err := hcl.DecodeObject(&rule, obj); err != nil {
		return err
	}
	if strings.Contains(path, "+*") {
		return errors.New("invalid use of wildcards ('+*' is forbidden)")
	}
	caps, err := mapOldPolicy(rule)
	if err != nil {
		return err
	}
	for _, c := range caps {
		if c == "deny" {
			return nil
		}
		if !slices.Contains(capabilities, c) {
			return fmt.Errorf("invalid capability %q", c)
		}
	}
	minTTL, err := ttl("min_wrapping_ttl", rule.MinWrappingTTL)
	if err != nil {
		return err
	}
	maxTTL, err := ttl("max_wrapping_ttl", rule.MaxWrappingTTL)
	if err != nil {
		return err
	}
	if err := checkControlGroup(rule.ControlGroup, caps); err != nil {
		return err
	}
	if minTTL != 0 && maxTTL != 0 && maxTTL < minTTL {
		return errors.New("max_wrapping_ttl cannot be less than min_wrapping_ttl")
	}
	return nil
}

// mapOldPolicy turns an old-style "policy" into capabilities as Vault
// does: "deny" replaces the list, the others add to it.
func mapOldPolicy(rule pathRule) ([]string, error) {
	switch rule.Policy {
	case "":
		return rule.Capabilities, nil
	case "deny":
		return []string{"deny"}, nil
	case "read":
		return append(slices.Clone(rule.Capabilities), "read", "list"), nil
	case "write":
		return append(slices.Clone(rule.Capabilities), "create", "read", "update", "delete", "list"), nil
	case "sudo":
		return append(slices.Clone(rule.Capabilities), "create", "read", "update", "delete", "list", "sudo"), nil
	}
	return nil, fmt.Errorf("invalid policy %q", rule.Policy)
}

func checkControlGroup(cg *controlGroup, caps []string) error {
	if cg == nil {
		return nil
	}
	if _, err := ttl("control group ttl", cg.TTL); err != nil {
		return err
	}
	if len(cg.Factors) == 0 {
		return errors.New("no control group factors provided")
	}
	for _, f := range cg.Factors {
		switch {
		case f == nil || f.Identity == nil:
			return errors.New("no control_group factor provided")
		case f.Identity.Approvals <= 0 || len(f.Identity.GroupIDs) == 0 && len(f.Identity.GroupNames) == 0:
			return errors.New("must provide more than one identity group and approvals > 0")
		}
		for _, c := range f.ControlledCapabilities {
			if !slices.Contains(caps, c) {
				return errors.New("control group factor capabilities must be a subset of the policy's capabilities")
			}
		}
	}
	return nil
}

func ttl(what string, v any) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	d, err := parseutil.ParseDurationSecond(v)
	if err != nil {
		return 0, fmt.Errorf("error parsing %s: %w", what, err)
	}
	return d, nil
}
