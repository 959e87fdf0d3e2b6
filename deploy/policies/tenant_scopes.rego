# A tenant's tokens reach only its own repositories: a repository scope
# must name a repository under the caller's tenant ("acme/app" for tenant
# acme). Anonymous callers (no tenant) are left to the plan of
# REGISTRY_TOKEN_ANONYMOUS_PLAN.
package registry.authz

deny contains "a token reaches only the repositories under the caller's tenant" if {
	input.entrypoint == "token"
	input.resource.scope == "repository"
	input.caller.tenant != ""
	not startswith(input.resource.name, concat("", [input.caller.tenant, "/"]))
}
