package redact

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// CopyMap is CopyJSON of json.Marshal(m): the same bytes, and for the
// flat maps events carry (string, integer and bool values under valid
// UTF-8 keys) without the round trip through JSON text: an audited read
// redacts its record this way on every request. Anything else takes the
// round trip.
func (h *Hasher) CopyMap(m map[string]any, clear map[string]bool) ([]byte, error) {
	if out, ok := h.copyFlat(m, clear); ok {
		return out, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return h.CopyJSON(raw, clear)
}

// copyFlat writes what CopyJSON(json.Marshal(m)) writes, or reports false
// for a value it leaves to that: json.Marshal sorts the keys, and a string
// that is valid UTF-8 decodes back to itself, so appendString (json's own
// escaping) of the key and of the kept or hashed value gives the same bytes.
func (h *Hasher) copyFlat(m map[string]any, clear map[string]bool) ([]byte, bool) {
	if m == nil {
		return []byte("null"), true
	}
	var keys [8]string
	ks := keys[:0]
	for k := range m {
		if !utf8.ValidString(k) {
			return nil, false
		}
		ks = append(ks, k)
	}
	slices.Sort(ks)
	out := make([]byte, 0, 64+32*len(ks))
	out = append(out, '{')
	for i, k := range ks {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendString(out, k)
		out = append(out, ':')
		switch v := m[k].(type) {
		case string:
			if !utf8.ValidString(v) {
				return nil, false
			}
			if !clear[k] && !strings.HasPrefix(v, Prefix) {
				v = h.HMAC(v)
			}
			out = appendString(out, v)
		case int:
			out = strconv.AppendInt(out, int64(v), 10)
		case int64:
			out = strconv.AppendInt(out, v, 10)
		case uint64:
			out = strconv.AppendUint(out, v, 10)
		case bool:
			out = strconv.AppendBool(out, v)
		case nil:
			out = append(out, "null"...)
		default:
			return nil, false
		}
	}
	return append(out, '}'), true
}
