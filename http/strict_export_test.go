package rest

import "reflect"

// CheckJSON exposes the strict JSON check to the fuzz target of rest_test,
// for a body decoded into a value of v's type.
func CheckJSON(raw []byte, v any) error { return checkJSON(raw, reflect.TypeOf(v)) }

// CredentialBody is the image-pull body, a target for the fuzz target.
type CredentialBody = credentialBody
