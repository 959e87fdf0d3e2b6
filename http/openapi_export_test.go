package rest

// The virtual-host wire types the adapter keeps unexported, named for the
// OpenAPI tests of package rest_test.
type (
	VHostErrorBody  = vhostError
	VHostHostBody   = hostBody
	VHostServerBody = serverBody
	RoleMappingBody = roleMappingBody
	RevokeBody      = revokeBody
)
