package hypowire

import (
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Tolerant reading. The system of seed 000 is a Quarkus service: its JSON
// mapper ignores unknown properties and reads null as absent, and its
// clients (the Package Manager among them) write every absent field as
// null, the other variant's fields included ("kubernetesServiceID": null
// in a parsing request). The registry reads the JSON payloads it consumes
// the same way: before a payload is validated, in every object its schema
// describes, an explicit null is dropped (null is absent), and so is a
// member that a strict object (additionalProperties false) does not know,
// reported to the Validator's WithIgnored hook by name. The schemas stay
// strict for what they know: a required field missing (or null), a wrong
// type, a pattern or a length still refuse the payload, and so does a
// member whose name differs from a known field's only in case: that is a
// misspelling of the field, which encoding/json would read, not an unknown
// field. Validate, used on what the registry writes, stays strict.

// Option configures a Validator.
type Option func(*Validator)

// WithIgnored has f called for every unknown member a tolerant decode
// drops, with the schema's name and the member's JSON pointer: its name,
// escaped and bounded as in a ValidationError, never its value. f must be
// safe for concurrent use.
func WithIgnored(f func(schema, pointer string)) Option {
	return func(v *Validator) { v.ignored = f }
}

// TolerantSchemas lists the schemas of the payloads read tolerantly: every
// JSON payload the registry consumes.
func TolerantSchemas() []string {
	return []string{
		SchemaKafkaRequest,
		SchemaKubeconfigStoreEvent,
		SchemaKubeconfigStoreData,
		SchemaGroupPolicyMessage,
		SchemaFabricCredsPersist,
		SchemaFabricCredsDelete,
	}
}

// tolerate applies the tolerant reading to doc (parsed by
// jsonschema.UnmarshalJSON), in place, at every object s describes: nulls
// dropped, then the members a strict applicable schema does not know,
// each reported to ignored with its pointer. at is doc's pointer.
func tolerate(s *jsonschema.Schema, doc any, at string, ignored func(pointer string)) {
	obj, ok := doc.(map[string]any)
	if !ok || s == nil {
		return
	}
	for k, m := range obj {
		if m == nil {
			delete(obj, k)
		}
	}
	applied := applicable(s, obj, nil)
	known := map[string]bool{}
	for _, a := range applied {
		for name := range a.Properties {
			known[foldKey(name)] = true
		}
	}
	for k := range obj {
		if unknown(applied, k) && !known[foldKey(k)] {
			delete(obj, k)
			if ignored != nil {
				ignored(at + "/" + escape(truncate(k)))
			}
		}
	}
	for k, m := range obj {
		for _, a := range applied {
			if p, ok := a.Properties[k]; ok {
				tolerate(p, m, at+"/"+escape(truncate(k)), ignored)
			} else if p, ok := a.AdditionalProperties.(*jsonschema.Schema); ok {
				tolerate(p, m, at+"/"+escape(truncate(k)), ignored)
			}
		}
	}
}

// applicable lists the schemas that apply to obj through s: s, what it
// refers to, its allOf, and the then or else its if selects for obj.
func applicable(s *jsonschema.Schema, obj map[string]any, out []*jsonschema.Schema) []*jsonschema.Schema {
	if s == nil || slices.Contains(out, s) {
		return out
	}
	out = append(out, s)
	out = applicable(s.Ref, obj, out)
	for _, a := range s.AllOf {
		out = applicable(a, obj, out)
	}
	if s.If != nil {
		if s.If.Validate(obj) == nil {
			out = applicable(s.Then, obj, out)
		} else {
			out = applicable(s.Else, obj, out)
		}
	}
	return out
}

// unknown reports whether some schema of applied forbids the member name:
// it allows no additional properties and neither names nor patterns it.
func unknown(applied []*jsonschema.Schema, name string) bool {
	for _, a := range applied {
		if allowed, ok := a.AdditionalProperties.(bool); !ok || allowed {
			continue
		}
		if _, ok := a.Properties[name]; ok {
			continue
		}
		matched := false
		for re := range a.PatternProperties {
			if re.MatchString(name) {
				matched = true
				break
			}
		}
		if !matched {
			return true
		}
	}
	return false
}
