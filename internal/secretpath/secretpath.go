// Package secretpath builds every storage path of the registry. It is the one
// place that turns (scope, tenant, name) into a KV path, following the Vault
// path table of seed 000, and the one place names are checked: a tenant can
// never name a path outside its own prefix.
package secretpath

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Scope is the first segment of a path: the kind of secret stored there.
type Scope string

// The scopes of the path table (seed 000, "Vault Path Structure").
const (
	ImagePull          Scope = "image-pull"
	PackageRegistry    Scope = "package-registry"
	KubernetesConfig   Scope = "kubernetes-config"
	KubernetesSAConfig Scope = "kubernetes-sa-config"
	FabricSecret       Scope = "fabric-secret"
	ServiceOrderData   Scope = "service-order-data"
)

// Scopes lists every scope, in the order of the path table.
var Scopes = []Scope{ImagePull, PackageRegistry, KubernetesConfig, KubernetesSAConfig, FabricSecret, ServiceOrderData, VirtualHost}

// MaxSegment is the longest tenant or name accepted, in bytes.
const MaxSegment = 255

// ErrInvalid is wrapped by every error this package returns.
var ErrInvalid = errors.New("invalid path")

// Path is a validated storage path. The zero value is not valid; build one
// with New.
type Path struct {
	Scope  Scope
	Tenant string
	Name   string
}

// New validates scope, tenant and name and returns the path they make.
// Tenant and name are single segments: no '/', no '\', no control or
// invisible characters, not empty, not '.' and containing no "..".
func New(scope Scope, tenant, name string) (Path, error) {
	if !scope.Valid() {
		return Path{}, fmt.Errorf("%w: unknown scope %q", ErrInvalid, string(scope))
	}
	if err := CheckTenant(tenant); err != nil {
		return Path{}, err
	}
	if err := CheckSegment("name", name); err != nil {
		return Path{}, err
	}
	return Path{Scope: scope, Tenant: tenant, Name: name}, nil
}

// Prefix returns the folder holding every secret of one tenant in one scope,
// with a trailing slash: "image-pull/tenant-a/".
func Prefix(scope Scope, tenant string) (string, error) {
	if !scope.Valid() {
		return "", fmt.Errorf("%w: unknown scope %q", ErrInvalid, string(scope))
	}
	if err := CheckTenant(tenant); err != nil {
		return "", err
	}
	return string(scope) + "/" + tenant + "/", nil
}

// String is the mount-relative path: "image-pull/tenant-a/my-secret".
func (p Path) String() string {
	return string(p.Scope) + "/" + p.Tenant + "/" + p.Name
}

// Valid reports whether s is one of the scopes.
func (s Scope) Valid() bool {
	for _, known := range Scopes {
		if s == known {
			return true
		}
	}
	return false
}

// CheckTenant is CheckSegment for tenants, which must also be lower case:
// Vault matches identity group names case-insensitively while secret paths
// are case-sensitive, so "Tenant-A" and "tenant-a" would share a group and
// policy but not a folder. Refusing upper case keeps one tenant one name.
func CheckTenant(tenant string) error {
	if err := CheckSegment("tenant", tenant); err != nil {
		return err
	}
	if strings.ToLower(tenant) != tenant {
		return fmt.Errorf("%w: tenant must be lower case", ErrInvalid)
	}
	return nil
}

// CheckSegment reports why value cannot be one path segment, naming what
// (tenant, name, …) in the error. The value itself is quoted only when it is
// printable, so the error never carries control bytes.
func CheckSegment(what, value string) error {
	switch {
	case value == "":
		return fmt.Errorf("%w: %s is empty", ErrInvalid, what)
	case len(value) > MaxSegment:
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrInvalid, what, MaxSegment)
	case !utf8.ValidString(value):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	case value == ".":
		return fmt.Errorf("%w: %s may not be %q", ErrInvalid, what, value)
	case strings.Contains(value, ".."):
		return fmt.Errorf("%w: %s may not contain \"..\"", ErrInvalid, what)
	case strings.ContainsAny(value, "/\\"):
		return fmt.Errorf("%w: %s must be a single path segment (no '/' or '\\')", ErrInvalid, what)
	}
	for _, r := range value {
		if unfit(r) {
			return fmt.Errorf("%w: %s contains a control, space, invisible or replacement character (U+%04X)", ErrInvalid, what, r)
		}
		// '+' and '*' are wildcards in Vault policy paths: a tenant named
		// "+" would be granted every tenant's folder.
		if strings.ContainsRune("?#%*+<>|\"'`{}[]^", r) {
			return fmt.Errorf("%w: %s contains the reserved character %q", ErrInvalid, what, r)
		}
	}
	return nil
}

// unfit reports a rune no name may hold: control, space and invisible
// characters, and U+FFFD. The replacement character is what lenient
// decoders (encoding/json among them) turn every invalid byte into, so
// "ab\xffcd", "ab\xfecd" and "ab\ufffdcd" would all name one secret; refusing
// it keeps one name one spelling whatever decoded it.
func unfit(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || !unicode.IsPrint(r) || unicode.IsSpace(r)
}
