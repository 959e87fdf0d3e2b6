package rest

// groupBody is the POST /group/ body. Unknown fields are refused; a
// missing name is refused by the handler like an empty one.
type groupBody struct {
	Name     string            `json:"name"`
	Policies []string          `json:"policies"`
	Metadata map[string]string `json:"metadata"`
}

// groupPatchBody is the PATCH /group/{name} body: an absent field keeps its
// value, a given one replaces it whole.
type groupPatchBody struct {
	Policies *[]string          `json:"policies"`
	Metadata *map[string]string `json:"metadata"`
}

// policyBody is the POST and PATCH /policy/{name} body: the HCL rules,
// required (missing reads as empty, which the handlers refuse).
type policyBody struct {
	Rules string `json:"rules"`
}
