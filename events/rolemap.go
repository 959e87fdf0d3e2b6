package events

// Role-mapping event types (seed 002, /registry-api/admin/roleMappings):
// an admin granted, changed or removed a user's one role in its tenant.
// Their data is {subject, role, actor}, all clear: the role-mapping
// projection is rebuilt from them.
const (
	RoleMappingCreated = "io.hypo.registry.rolemapping.created"
	RoleMappingUpdated = "io.hypo.registry.rolemapping.updated"
	RoleMappingDeleted = "io.hypo.registry.rolemapping.deleted"
)
