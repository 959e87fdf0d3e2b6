package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/hypo-registry/registry/internal/security/auth"
	"github.com/hypo-registry/registry/internal/security/authz"
	"github.com/hypo-registry/registry/internal/security/policy"
)

// checkPolicy asks the operator's policy (Deps.Policy) about a console
// request the authorization options allowed: the console reads and
// changes what the REST API does, so the same rules hold here.
func (c *Console) checkPolicy(r *http.Request, p auth.Principal, access authz.Access) error {
	if c.deps.Policy == nil {
		return nil
	}
	// The pattern is "METHOD /console/…": the route is its path.
	_, route, _ := strings.Cut(r.Pattern, " ")
	name := r.PathValue("name")
	if name == "" && r.PostForm != nil {
		name = strings.TrimSpace(r.PostForm.Get("name"))
		if name == "" {
			name = strings.TrimSpace(r.PostForm.Get("serviceId"))
		}
	}
	return c.deps.Policy.Check(r.Context(), &policy.Input{
		EntryPoint: policy.EntryConsole, Method: r.Method, Route: route, Action: access.String(),
		Resource: policy.Resource{Scope: pageScope(r, route), Tenant: p.Tenant, Name: name},
		Caller:   policy.Caller{Subject: p.Subject, Tenant: p.Tenant, Roles: p.Roles, Claims: p.Claims},
		Time:     time.Now(),
	})
}

// pageScope is the input's resource.scope of a console page, in the REST
// API's words: the secrets' scope, kube-conf, virtual-host, admin.
func pageScope(r *http.Request, route string) string {
	if s := r.PathValue("scope"); s != "" {
		return s
	}
	switch {
	case strings.HasPrefix(route, "/console/kubeconfigs"):
		return "kube-conf"
	case strings.HasPrefix(route, "/console/hosts"):
		return "virtual-host"
	case strings.HasPrefix(route, "/console/admin/"), route == "/console/audit":
		return "admin"
	}
	return ""
}
