package rest_test

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	rest "github.com/hypo-registry/registry/http"
)

// TestOpenAPIReplySchemasMatchTypes keeps the reply schemas in step with
// the types the handlers and the adapter really encode: the same property
// names, and required exactly when the field is never omitted.
func TestOpenAPIReplySchemasMatchTypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	for _, tc := range []struct {
		schema string
		typ    reflect.Type
	}{
		{"RegistryCredential", reflect.TypeFor[handlers.RegistryCredential]()},
		{"SecretWritten", reflect.TypeFor[handlers.SecretWritten]()},
		{"Group", reflect.TypeFor[handlers.Group]()},
		{"Policy", reflect.TypeFor[handlers.Policy]()},
		{"TenantProvisioned", reflect.TypeFor[handlers.TenantProvisioned]()},
		{"KubeconfigEntry", reflect.TypeFor[handlers.KubeconfigEntry]()},
		{"TerminalToken", reflect.TypeFor[handlers.TerminalToken]()},
		{"Problem", reflect.TypeFor[rest.Problem]()},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			s, ok := doc.Components.Schemas[tc.schema]
			if !ok {
				t.Fatalf("no schema %s", tc.schema)
			}
			fields, required := encodedFields(tc.typ)
			if got := slices.Sorted(maps.Keys(s.Properties)); !slices.Equal(got, fields) {
				t.Errorf("properties %v, %s encodes %v", got, tc.typ, fields)
			}
			gotRequired := slices.Sorted(slices.Values(s.Required))
			if !slices.Equal(gotRequired, required) {
				t.Errorf("required %v, %s always encodes %v", gotRequired, tc.typ, required)
			}
		})
	}
}

// jsonFields returns the sorted JSON names of typ's fields and those never
// omitted.
func encodedFields(typ reflect.Type) (all, required []string) {
	for f := range typ.Fields() {
		if !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
			required = append(required, name)
		}
	}
	sort.Strings(all)
	sort.Strings(required)
	return all, required
}
