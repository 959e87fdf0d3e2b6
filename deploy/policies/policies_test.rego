package registry.authz_test

import data.registry.authz

# 2026-12-07 is a Monday.
monday_10 := time.parse_rfc3339_ns("2026-12-07T10:00:00Z")

monday_22 := time.parse_rfc3339_ns("2026-12-07T22:00:00Z")

saturday_10 := time.parse_rfc3339_ns("2026-12-12T10:00:00Z")

caller(tenant, roles) := {"subject": "alice", "tenant": tenant, "roles": roles, "claims": {}}

token_input(scope_type, name, action, who) := {
	"version": 1, "entrypoint": "token", "method": "", "route": "", "topic": "",
	"scope": sprintf("%s:%s:%s", [scope_type, name, action]), "action": action,
	"resource": {"scope": scope_type, "tenant": who.tenant, "name": name, "owner": ""},
	"caller": who, "time": {"ns": monday_10, "rfc3339": "2026-12-07T10:00:00Z"},
}

rest_input(route, scope, action, ns) := {
	"version": 1, "entrypoint": "rest", "method": "GET", "route": route, "topic": "",
	"scope": "", "action": action,
	"resource": {"scope": scope, "tenant": "acme", "name": "", "owner": ""},
	"caller": caller("acme", ["developer"]), "time": {"ns": ns, "rfc3339": ""},
}

test_image_pull_read_allowed if {
	authz.allow with input as rest_input("/registry-api/image-pull/secret/{name}", "image-pull", "read", monday_22)
}

test_catalog_needs_admin if {
	d := authz.allow with input as token_input("registry", "catalog", "*", caller("acme", ["developer"]))
	d.allow == false
	d.reason == "only an admin may list the registry catalog"
}

test_catalog_for_admin if {
	authz.allow with input as token_input("registry", "catalog", "*", caller("acme", ["admin"]))
}

test_catalog_for_platform_admin if {
	authz.allow with input as token_input("registry", "catalog", "*", caller("acme", ["platform-admin"]))
}

test_own_tenant_repository if {
	authz.allow with input as token_input("repository", "acme/app", "pull", caller("acme", ["developer"]))
}

test_other_tenant_repository_denied if {
	d := authz.allow with input as token_input("repository", "globex/app", "pull", caller("acme", ["developer"]))
	d.allow == false
	contains(d.reason, "under the caller's tenant")
}

test_tenant_prefix_is_a_whole_segment if {
	d := authz.allow with input as token_input("repository", "acme-evil/app", "pull", caller("acme", ["developer"]))
	d.allow == false
}

test_anonymous_repository_left_to_the_plan if {
	authz.allow with input as token_input("repository", "library/alpine", "pull", caller("", []))
}

test_kubeconfig_read_in_business_hours if {
	authz.allow with input as rest_input("/registry-api/kube-conf/secrets", "kube-conf", "read", monday_10)
}

test_kubeconfig_read_at_night_denied if {
	d := authz.allow with input as rest_input("/registry-api/kube-conf/secrets", "kube-conf", "read", monday_22)
	d.allow == false
	startswith(d.reason, "kubeconfigs are read on working days")
}

test_kubeconfig_read_on_saturday_denied if {
	d := authz.allow with input as rest_input("/registry-api/kube-conf/secrets", "kube-conf", "read", saturday_10)
	d.allow == false
}

test_kubeconfig_write_at_night_allowed if {
	authz.allow with input as rest_input("/registry-api/kube-conf/token/{serviceId}/{id}", "kube-conf", "write", monday_22)
}
