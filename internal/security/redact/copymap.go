package redact

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hypo-registry/registry/internal/plainjson"
)

// CopyMap is CopyJSON of json.Marshal(m): the same bytes, and for the
// maps events carry (string, integer, bool and nil values, nested maps
// and lists of them, under valid UTF-8 keys) without the round trip
// through JSON text: an audited read redacts its record this way on every
// request, and a heartbeat its server record. Anything else takes the
// round trip.
func (h *Hasher) CopyMap(m map[string]any, clear map[string]bool) ([]byte, error) {
	if out, ok := h.copyDirect(m, clear); ok {
		return out, nil
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return h.CopyJSON(raw, clear)
}

// maxMapDepth bounds how deep copyDirect follows nested maps and lists;
// deeper values take the round trip.
const maxMapDepth = 32

// copyDirect writes what CopyJSON(json.Marshal(m)) writes, or reports false
// for a value it leaves to that: json.Marshal sorts the keys, and a string
// that is valid UTF-8 decodes back to itself, so plainjson.AppendString (json's own
// escaping) of the key and of the kept or hashed value gives the same bytes.
// As in CopyJSON, a string is kept under a clear key at any depth above it
// and hashed otherwise (unless it is a hash already).
func (h *Hasher) copyDirect(m map[string]any, clear map[string]bool) ([]byte, bool) {
	return appendObject(h, make([]byte, 0, 64+32*len(m)), m, clear, false, 0)
}

// appendObject appends the copy of the object m, its keys sorted as
// json.Marshal sorts them, as json.Marshal writes a nil one: null.
func appendObject[V any](h *Hasher, out []byte, m map[string]V, clear map[string]bool, keep bool, depth int) ([]byte, bool) {
	if m == nil {
		return append(out, "null"...), true
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
	out = append(out, '{')
	for i, k := range ks {
		if i > 0 {
			out = append(out, ',')
		}
		out = plainjson.AppendString(out, k)
		out = append(out, ':')
		var ok bool
		if out, ok = h.appendValue(out, m[k], clear, keep || clear[k], depth); !ok {
			return nil, false
		}
	}
	return append(out, '}'), true
}

// appendValue appends v's copy; keep: v is in a clear subtree.
func (h *Hasher) appendValue(out []byte, v any, clear map[string]bool, keep bool, depth int) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			return nil, false
		}
		if !keep && !strings.HasPrefix(v, Prefix) {
			v = h.HMAC(v)
		}
		return plainjson.AppendString(out, v), true
	case int:
		return strconv.AppendInt(out, int64(v), 10), true
	case int64:
		return strconv.AppendInt(out, v, 10), true
	case uint64:
		return strconv.AppendUint(out, v, 10), true
	case bool:
		return strconv.AppendBool(out, v), true
	case nil:
		return append(out, "null"...), true
	}
	if depth >= maxMapDepth {
		return nil, false
	}
	switch v := v.(type) {
	case map[string]any:
		return appendObject(h, out, v, clear, keep, depth+1)
	case []any:
		return appendList(h, out, v, clear, keep, depth)
	case []string:
		return appendList(h, out, v, clear, keep, depth)
	case []map[string]any:
		return appendList(h, out, v, clear, keep, depth)
	case map[string]string: // a secret's metadata
		return appendObject(h, out, v, clear, keep, depth+1)
	}
	return nil, false
}

// appendList appends the copy of the list v, as json.Marshal writes a nil
// one: null.
func appendList[E any](h *Hasher, out []byte, v []E, clear map[string]bool, keep bool, depth int) ([]byte, bool) {
	if v == nil {
		return append(out, "null"...), true
	}
	out = append(out, '[')
	for i, e := range v {
		if i > 0 {
			out = append(out, ',')
		}
		var ok bool
		if out, ok = h.appendValue(out, e, clear, keep, depth+1); !ok {
			return nil, false
		}
	}
	return append(out, ']'), true
}
