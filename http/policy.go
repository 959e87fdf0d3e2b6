package rest

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// checkPolicy asks the operator's policy (Deps.Policy) about a request the
// built-in options allowed; p is nil for an anonymous read. A deny is
// handlers.ErrForbidden with the policy's reason (403).
func (s *Server) checkPolicy(r *http.Request, p *auth.Principal, access authz.Access) error {
	if s.deps.Policy == nil {
		return nil
	}
	route := routeTemplate(r)
	in := &policy.Input{
		EntryPoint: policy.EntryREST, Method: r.Method, Route: route, Action: access.String(),
		Resource: policy.Resource{Scope: routeScope(route), Name: routeName(r)},
		Time:     time.Now(),
	}
	if v := r.Header.Get("X-Correlation-ID"); correlationIDPattern.MatchString(v) {
		in.CorrelationID = v
	}
	if p != nil {
		in.Caller = policy.Caller{Subject: p.Subject, Tenant: p.Tenant, Roles: p.Roles, Claims: p.Claims}
		in.Resource.Tenant = p.Tenant
	}
	return s.deps.Policy.Check(r.Context(), in)
}

// routeScope is the input's resource.scope on REST: the route's first
// segment under the API's prefix (image-pull, kube-conf, admin, …), or
// virtual-host under /registry/v1.
func routeScope(route string) string {
	if strings.HasPrefix(route, VirtualHostPrefix+"/") {
		return "virtual-host"
	}
	rest, ok := strings.CutPrefix(route, "/registry-api/")
	if !ok {
		return ""
	}
	scope, _, _ := strings.Cut(rest, "/")
	return scope
}

// routeNameVars are the route variables that name a resource, in the
// order they are looked for.
var routeNameVars = []string{"name", "controllerId", "serviceId", "vh", "principalId"}

// routeName is the input's resource.name: the request's naming route
// variable, decoded; empty on a route without one.
func routeName(r *http.Request) string {
	vars := mux.Vars(r)
	for _, k := range routeNameVars {
		if _, ok := vars[k]; ok {
			return decodedVar(r, k)
		}
	}
	return ""
}
