package handlers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hypo-registry/registry/internal/secretpath"
)

// reservedPolicies are Vault's built-in policies: "root" and the two
// internal ones cannot be changed, and "default" is attached to every token,
// so this port manages none of them (Vault itself would let "default" be
// overwritten). Compared after lower-casing.
var reservedPolicies = []string{"root", "default", "response-wrapping", "control-group"}

// Vault's limits on identity metadata (vault/identity_store_structs.go).
// Both IdentityAdmin adapters check them up front (Vault answers a breach
// with a 500, which would read as unavailable), so both refuse the same
// input; the identity contract suite keeps them honest.
const (
	metaMaxPairs     = 64
	metaKeyMaxLen    = 128
	metaValueMaxLen  = 512
	metaReservedPref = "vault-"
)

var metaKeyFormat = regexp.MustCompile(`^[a-zA-Z0-9=/+_-]+$`).MatchString

// PolicyName returns name as Vault stores it, lower case, or ErrInvalid.
// The name is checked before lower-casing: strings.ToLower would turn
// invalid UTF-8 into a valid U+FFFD.
func PolicyName(name string) (string, error) {
	if err := secretpath.CheckSegment("policy name", name); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	name = strings.ToLower(name)
	if slices.Contains(reservedPolicies, name) {
		return "", fmt.Errorf("%w: policy %q is a Vault built-in", ErrInvalid, name)
	}
	return name, nil
}

// CheckGroupName accepts what can be a tenant: the group name is matched against
// the groups claim, and its first entry is the tenant.
func CheckGroupName(name string) error {
	if err := secretpath.CheckSegment("group name", name); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// NormaliseGroup returns g as both adapters return it: policies lower-cased
// (as Vault stores them), deduplicated, sorted and never nil; metadata copied,
// nil when empty. "root" may not be attached, as in Vault.
func NormaliseGroup(g Group) (Group, error) {
	if err := CheckGroupName(g.Name); err != nil {
		return Group{}, err
	}
	policies := make([]string, 0, len(g.Policies))
	for _, p := range g.Policies {
		if err := secretpath.CheckSegment("policy name", p); err != nil {
			return Group{}, fmt.Errorf("%w: group policies: %w", ErrInvalid, err)
		}
		p = strings.ToLower(p)
		if p == "root" {
			return Group{}, fmt.Errorf("%w: a group may not carry the root policy", ErrInvalid)
		}
		policies = append(policies, p)
	}
	slices.Sort(policies)
	out := Group{Name: g.Name, Policies: slices.Compact(policies)}
	if err := checkMetadata(g.Metadata); err != nil {
		return Group{}, err
	}
	if len(g.Metadata) > 0 {
		out.Metadata = make(map[string]string, len(g.Metadata))
		for k, v := range g.Metadata {
			out.Metadata[k] = v
		}
	}
	return out, nil
}

func checkMetadata(meta map[string]string) error {
	if len(meta) > metaMaxPairs {
		return fmt.Errorf("%w: metadata has more than %d pairs", ErrInvalid, metaMaxPairs)
	}
	for k, v := range meta {
		switch {
		case !metaKeyFormat(k):
			return fmt.Errorf("%w: metadata key %q is empty or not of [a-zA-Z0-9=/+_-]", ErrInvalid, k)
		case len(k) > metaKeyMaxLen:
			return fmt.Errorf("%w: metadata key %q is longer than %d", ErrInvalid, k, metaKeyMaxLen)
		case strings.HasPrefix(k, metaReservedPref):
			return fmt.Errorf("%w: metadata key %q uses Vault's reserved prefix %q", ErrInvalid, k, metaReservedPref)
		case !utf8.ValidString(v):
			return fmt.Errorf("%w: metadata value of %q is not valid UTF-8", ErrInvalid, k)
		case len(v) > metaValueMaxLen:
			return fmt.Errorf("%w: metadata value of %q is longer than %d", ErrInvalid, k, metaValueMaxLen)
		}
	}
	return nil
}
