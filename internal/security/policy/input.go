package policy

import (
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// InputVersion is the version of the input document. Keys are only ever
// added within a version; a key that changes meaning or goes away makes a
// new version.
const InputVersion = 1

// Entry points, the input's "entrypoint".
const (
	EntryREST    = "rest"
	EntryKafka   = "kafka"
	EntryToken   = "token"
	EntryConsole = "console" // the operator console's pages and forms
)

// Input is one question for the policy: who asks to do what to which
// resource, through which entry point. Every key of the document is
// always present (empty when the entry point does not know it), so a rule
// never needs to test for an absent key. It never holds the caller's raw
// token.
type Input struct {
	EntryPoint string // EntryREST, EntryKafka, EntryToken or EntryConsole
	// Method and Route are the REST (or console) request's method and
	// route template ("/registry-api/image-pull/secret/{name}", never the
	// raw path).
	Method, Route string
	// Topic is the Kafka record's topic.
	Topic string
	// Scope is, on /token, the scope asked for with the one action in
	// question ("repository:team/app:push").
	Scope string
	// Action is read, write or admin on REST and Kafka; the token action
	// (pull, push, delete, *) on /token.
	Action   string
	Resource Resource
	Caller   Caller
	Time     time.Time
	// CorrelationID ties a denial's audit record to its request. It is not
	// part of the input document.
	CorrelationID string
}

// Resource is what the request acts on.
type Resource struct {
	// Scope is the kind of resource: the REST route's first segment
	// (image-pull, package-registry, fabric, kube-conf, group, policy,
	// policy-group-flow, admin, registry-token, virtual-host), the
	// Kafka topic's kind (credentials, kube-conf, policy-group-flow,
	// fabric), or on /token the scope's resource type (repository,
	// registry).
	Scope  string
	Tenant string
	// Name is the resource's name where the request names one: the route's
	// name variable, the Fabric controller id, the repository of a token
	// scope.
	Name string
	// Owner is the resource's owner where the entry point knows it before
	// the handler runs; empty otherwise (owner-only writes are checked by
	// the handlers after the policy).
	Owner string
}

// Caller is who asks.
type Caller struct {
	Subject string
	Tenant  string
	Roles   []string
	// Claims are the caller's verified claims; only those named in
	// Config.Claims reach the input document.
	Claims map[string]any
}

// value builds the input document as a lazy OPA object: only the parts a
// rule reads are converted (a REST route's decision usually reads two or
// three keys). claims names the claims copied.
func (in *Input) value(claims []string) ast.Value {
	selected := make(map[string]any, len(claims))
	for _, name := range claims {
		if v, ok := in.Caller.Claims[name]; ok {
			selected[name] = v
		}
	}
	roles := in.Caller.Roles
	if roles == nil {
		roles = []string{}
	}
	t := in.Time.UTC()
	return ast.LazyObject(map[string]any{
		"version": InputVersion, "entrypoint": in.EntryPoint, "method": in.Method, "route": in.Route,
		"topic": in.Topic, "scope": in.Scope, "action": in.Action,
		"resource": map[string]any{"scope": in.Resource.Scope, "tenant": in.Resource.Tenant, "name": in.Resource.Name, "owner": in.Resource.Owner},
		"caller":   map[string]any{"subject": in.Caller.Subject, "tenant": in.Caller.Tenant, "roles": roles, "claims": selected},
		"time":     map[string]any{"ns": t.UnixNano(), "rfc3339": t.Format(time.RFC3339)},
	})
}

// Document is the input document as plain values, for the audit record of
// a denial: the request's part only, never the caller's claims.
func (in *Input) Document() map[string]any {
	return map[string]any{
		"version": InputVersion, "entrypoint": in.EntryPoint, "method": in.Method, "route": in.Route,
		"topic": in.Topic, "scope": in.Scope, "action": in.Action,
		"resource": map[string]any{"scope": in.Resource.Scope, "tenant": in.Resource.Tenant, "name": in.Resource.Name, "owner": in.Resource.Owner},
	}
}
