# The specification's catalogue rule, "only an admin may GET /v2/_catalog",
# as the token service sees it: a registry asks for the scope
# registry:catalog:* before it lists its repositories.
package registry.authz

admin_roles := {"admin", "platform-admin"}

deny contains "only an admin may list the registry catalog" if {
	input.entrypoint == "token"
	input.resource.scope == "registry"
	input.resource.name == "catalog"
	not is_admin
}

is_admin if {
	some role in input.caller.roles
	role in admin_roles
}
