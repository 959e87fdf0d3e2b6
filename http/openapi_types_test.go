package rest_test

import (
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/auditread"
	"github.com/hypo-registry/registry/handlers/registrytoken"
	"github.com/hypo-registry/registry/handlers/rolemap"
	"github.com/hypo-registry/registry/handlers/vhost"
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
		{"VirtualHostError", reflect.TypeFor[rest.VHostErrorBody]()},
		{"VirtualHostReply", reflect.TypeFor[vhost.HostReply]()},
		{"VirtualHost", reflect.TypeFor[vhost.HostView]()},
		{"VirtualHostSecurity", reflect.TypeFor[vhost.SecurityView]()},
		{"SelfSignedSSL", reflect.TypeFor[vhost.SSLView]()},
		{"VirtualHostNames", reflect.TypeFor[vhost.NamesReply]()},
		{"ServerReply", reflect.TypeFor[vhost.ServerReply]()},
		{"ServerList", reflect.TypeFor[vhost.ServersReply]()},
		{"Server", reflect.TypeFor[vhost.Server]()},
		{"RecryptReply", reflect.TypeFor[vhost.RecryptReply]()},
		{"RoleMapping", reflect.TypeFor[rolemap.Mapping]()},
		{"RegistryTokenRevoked", reflect.TypeFor[registrytoken.RevokeReply]()},
		{"RegistryToken", reflect.TypeFor[registrytoken.TokenResponse]()},
		{"AuditPage", reflect.TypeFor[auditread.AuditPage]()},
		{"AuditRecord", reflect.TypeFor[auditread.Record]()},
		{"AuditChain", reflect.TypeFor[auditread.Chain]()},
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

// TestOpenAPIRequestSchemasMatchTypes keeps the request schemas in step
// with the types the adapter decodes (unknown fields are refused): the same
// property names. Which are required is the handlers' rule, documented by
// hand.
func TestOpenAPIRequestSchemasMatchTypes(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	for _, tc := range []struct {
		schema string
		typ    reflect.Type
	}{
		{"VirtualHostInput", reflect.TypeFor[rest.VHostHostBody]()},
		{"SelfSignedSSLConfig", reflect.TypeFor[vhost.SSLConfig]()},
		{"ServerInput", reflect.TypeFor[rest.VHostServerBody]()},
		{"RoleMappingCreate", reflect.TypeFor[rest.RoleMappingBody]()},
		{"RegistryTokenRevoke", reflect.TypeFor[rest.RevokeBody]()},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			s, ok := doc.Components.Schemas[tc.schema]
			if !ok {
				t.Fatalf("no schema %s", tc.schema)
			}
			fields, _ := encodedFields(tc.typ)
			if got := slices.Sorted(maps.Keys(s.Properties)); !slices.Equal(got, fields) {
				t.Errorf("properties %v, %s decodes %v", got, tc.typ, fields)
			}
		})
	}
}

// encodedFields returns the sorted JSON names of typ's fields and those never
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
