package hypowire

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// ValidationError lists why a payload failed its schema. It names fields by
// JSON pointer and never carries the payload's values, so it can be logged
// and returned to the sender.
type ValidationError struct {
	Schema   string
	Problems []Problem
}

// Problem is one failed constraint.
type Problem struct {
	// Pointer is the JSON pointer (RFC 6901) of the failing field; "" is the
	// whole payload.
	Pointer string
	// Reason says what is wrong without quoting the value.
	Reason string
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		ptr := p.Pointer
		if ptr == "" {
			ptr = "(root)"
		}
		parts[i] = ptr + ": " + p.Reason
	}
	return "hypowire: " + e.Schema + ": " + strings.Join(parts, "; ")
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// problems flattens the leaves of a jsonschema error tree, deduplicated.
func problems(ve *jsonschema.ValidationError) []Problem {
	seen := map[Problem]bool{}
	var out []Problem
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		for _, p := range leaf(e) {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	walk(ve)
	if len(out) == 0 {
		out = []Problem{{Reason: "validation failed"}}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pointer < out[j].Pointer })
	return out
}

// leaf describes one failed keyword from its kind, using only what the
// schema says and the names of fields, never the instance's values.
func leaf(e *jsonschema.ValidationError) []Problem {
	at := pointer(e.InstanceLocation)
	switch k := e.ErrorKind.(type) {
	case *kind.Required:
		ps := make([]Problem, len(k.Missing))
		for i, m := range k.Missing {
			ps[i] = Problem{Pointer: at + "/" + escape(m), Reason: "required field missing"}
		}
		return ps
	case *kind.AdditionalProperties:
		ps := make([]Problem, len(k.Properties))
		for i, m := range k.Properties {
			ps[i] = Problem{Pointer: at + "/" + escape(truncate(m)), Reason: "field not allowed"}
		}
		return ps
	case *kind.FalseSchema:
		return []Problem{{Pointer: at, Reason: "field not allowed here"}}
	case *kind.Type:
		return []Problem{{Pointer: at, Reason: fmt.Sprintf("got %s, want %s", k.Got, strings.Join(k.Want, " or "))}}
	case *kind.Enum:
		return []Problem{{Pointer: at, Reason: "value not allowed, want one of " + schemaValues(k.Want)}}
	case *kind.Const:
		return []Problem{{Pointer: at, Reason: "value not allowed, want " + schemaValues([]any{k.Want})}}
	case *kind.MinLength:
		return []Problem{{Pointer: at, Reason: fmt.Sprintf("shorter than %d characters", k.Want)}}
	case *kind.MaxLength:
		return []Problem{{Pointer: at, Reason: fmt.Sprintf("longer than %d characters", k.Want)}}
	case *kind.Pattern:
		return []Problem{{Pointer: at, Reason: "does not match pattern " + k.Want}}
	default:
		return []Problem{{Pointer: at, Reason: "fails " + strings.Join(e.ErrorKind.KeywordPath(), "/")}}
	}
}

// schemaValues renders values taken from the schema (enum, const).
func schemaValues(vs []any) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		b, err := json.Marshal(v)
		if err != nil {
			parts[i] = "?"
			continue
		}
		parts[i] = string(b)
	}
	return strings.Join(parts, ", ")
}

func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/")
		b.WriteString(escape(t))
	}
	return b.String()
}

// escape writes a pointer token. A token may be a member name taken from
// the payload: a control or invisible character becomes '?', so an error
// (logged, and sent back to the producer) never carries a line break or an
// escape sequence of the sender's choosing.
func escape(token string) string {
	token = strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, token)
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}

// truncate bounds a field name taken from the payload.
func truncate(name string) string {
	const max = 64
	if len(name) <= max {
		return name
	}
	return strings.ToValidUTF8(name[:max], "") + "..."
}
