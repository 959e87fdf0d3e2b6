package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Copy returns a deep copy of v, a JSON-shaped value (map[string]any, []any,
// string, float64, json.Number, bool, nil), in which every string is replaced
// by its HMAC, except strings that already carry the HMAC prefix and whole
// subtrees under a map key listed in clear. Map keys are never hashed: they
// name fields, they do not hold values.
//
// v is never modified: the copy is made first and only the copy is hashed, so
// a caller's event keeps its values (Vault's "copy, then hash").
//
// A value of any other Go type is first converted to its JSON shape; if that
// fails it becomes the HMAC of its printed form, so an unexpected type can
// never carry a value into the log in the clear.
func (h *Hasher) Copy(v any, clear map[string]bool) any {
	return h.walk(v, clear)
}

func (h *Hasher) walk(v any, clear map[string]bool) any {
	switch x := v.(type) {
	case nil, bool, float64, json.Number:
		return x
	case string:
		if strings.HasPrefix(x, Prefix) {
			return x
		}
		return h.HMAC(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, sub := range x {
			if clear[k] {
				out[k] = deepCopy(sub)
				continue
			}
			out[k] = h.walk(sub, clear)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, sub := range x {
			out[i] = h.walk(sub, clear)
		}
		return out
	default:
		shaped, err := toJSONShape(x)
		if err != nil {
			return h.HMAC(fmt.Sprintf("%v", x))
		}
		return h.walk(shaped, clear)
	}
}

// deepCopy copies a clear subtree so that the result shares no map or slice
// with the input.
func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, sub := range x {
			out[k] = deepCopy(sub)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, sub := range x {
			out[i] = deepCopy(sub)
		}
		return out
	case nil, bool, float64, json.Number, string:
		return x
	default:
		if shaped, err := toJSONShape(x); err == nil {
			return shaped
		}
		return fmt.Sprintf("%v", x)
	}
}

func toJSONShape(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decode(b)
}

// decode parses exactly one JSON value, keeping numbers as json.Number so
// that large integers survive the round trip unchanged.
func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after JSON value")
	}
	return v, nil
}

// CopyJSON is Copy for encoded JSON: raw is parsed, copied with its strings
// hashed, and encoded again. The output is compact with sorted object keys,
// so equal input values always give equal bytes.
//
// It runs copyJSONFast, which writes the same bytes without reflection, and
// comes here only for what that leaves to encoding/json (invalid input).
func (h *Hasher) CopyJSON(raw []byte, clear map[string]bool) ([]byte, error) {
	if out, err := h.copyJSONFast(raw, clear); err == nil {
		return out, nil
	}
	return h.copyJSONSlow(raw, clear)
}

// copyJSONSlow is CopyJSON through a decoded value and json.Marshal, the
// definition copyJSONFast is tested against.
func (h *Hasher) copyJSONSlow(raw []byte, clear map[string]bool) ([]byte, error) {
	v, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("redact: copy json: %w", err)
	}
	out, err := json.Marshal(h.Copy(v, clear))
	if err != nil {
		return nil, fmt.Errorf("redact: copy json: %w", err)
	}
	return out, nil
}
