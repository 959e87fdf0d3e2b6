package redact

import (
	"bytes"
	"encoding/json"
	"testing"
)

// CopyMap must give CopyJSON(json.Marshal(m)) byte for byte, on the flat
// path and off it.
func TestCopyMapEqualsCopyJSONOfMarshal(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	cases := map[string]map[string]any{
		"read record":        {"name": "pull", "version": 3, "actor": "user@acme"},
		"secret under key":   {"name": "n", "password": "hunter2", "token": "hmac-sha256:already"},
		"escaping":           {"name": `<a href="x">&'\` + "\n\t\u2028é", "password": "<&>"},
		"invalid utf-8":      {"name": "bad\xff", "password": "bad\xfe\xff"},
		"invalid key":        {"bad\xffkey": "v"},
		"scalars":            {"count": 0, "neg": int64(-7), "big": uint64(1 << 63), "ok": true, "no": false, "none": nil},
		"float and nested":   {"f": 0.5, "nested": map[string]any{"password": "x", "name": "y"}, "list": []any{"a", 1}},
		"clear subtree":      {"names": []any{"a", "b"}, "message": "why"},
		"empty":              {},
		"nil":                nil,
		"other integer type": {"n": int32(5)},
		"heartbeat":          {"name": "h.example", "id": "s1", "server": map[string]any{"host": "10.0.0.1", "port": 8080, "hb": int64(1733390000000)}, "actor": "bench"},
		"clear at depth":     {"outer": map[string]any{"meta": map[string]any{"a": "kept", "b": []any{"kept", map[string]any{"c": "kept"}}}, "x": "hashed"}},
		"clear list":         {"meta": []string{"a", "b"}, "tags": []string{"c", "d"}, "mixed": []any{"e", 2, true, nil, []string{"f"}}},
		"nil nested":         {"m": map[string]any(nil), "l": []any(nil), "s": []string(nil)},
		"empty nested":       {"m": map[string]any{}, "l": []any{}, "s": []string{}},
		"hashed nested":      {"m": map[string]any{"password": "hmac-sha256:00", "u": "x"}},
		"escaping nested":    {"m": map[string]any{"<k>": `"q"` + "\u2028", "name": "&"}},
		"invalid nested":     {"m": map[string]any{"k": "bad\xff"}, "l": []string{"bad\xfe"}},
		"float nested":       {"m": map[string]any{"f": 1.5}},
		"struct nested":      {"m": struct{ A string }{"x"}},
		"deep":               deepMap(maxMapDepth + 3),
		"deep list":          {"l": deepList(maxMapDepth + 3)},
		"string map":         {"metadata": map[string]string{"team": "<ops>", "password": "hunter2", "é": "\u2028"}, "m": map[string]string{"k": "v"}},
		"string map clear":   {"meta": map[string]string{"b": "kept", "a": "kept too"}},
		"string map nil":     {"metadata": map[string]string(nil), "empty": map[string]string{}},
		"string map invalid": {"metadata": map[string]string{"k": "bad\xff"}, "other": map[string]string{"bad\xfe": "v"}},
		"list of maps":       {"access": []map[string]any{{"type": "repository", "name": "acme/app", "actions": []string{"pull"}}, {"type": "registry", "class": "", "name": "catalog", "actions": []string(nil)}}},
		"list of maps nil":   {"failures": []map[string]any(nil), "empty": []map[string]any{}, "holes": []map[string]any{nil, {}}},
		"list of maps clear": {"meta": []map[string]any{{"a": "kept", "n": 1}}},
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			want, err := h.CopyJSON(raw, fastClear)
			if err != nil {
				t.Fatal(err)
			}
			got, err := h.CopyMap(m, fastClear)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("CopyMap(%v) = %s, %v\nwant %s", m, got, err, want)
			}
		})
	}
}

func deepMap(n int) map[string]any {
	m := map[string]any{"v": "leaf"}
	for i := range n {
		m = map[string]any{"k": m, "i": i}
	}
	return m
}

func deepList(n int) any {
	var v any = "leaf"
	for range n {
		v = []any{v}
	}
	return v
}

// The nested maps and lists events carry stay on the flat path, hashed
// below a key that is not clear and kept below one that is.
func TestCopyMapNestedStaysFlat(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	m := map[string]any{
		"server": map[string]any{"host": "10.0.0.1", "port": 8080},
		"meta":   map[string]any{"who": []string{"alice"}},
	}
	out, ok := h.copyDirect(m, fastClear)
	if !ok {
		t.Fatal("nested maps and lists left the flat path")
	}
	if bytes.Contains(out, []byte("10.0.0.1")) || !bytes.Contains(out, []byte(h.HMAC("10.0.0.1"))) {
		t.Fatalf("a string below a key that is not clear was not hashed: %s", out)
	}
	if !bytes.Contains(out, []byte(`"who":["alice"]`)) {
		t.Fatalf("a string below a clear key was not kept: %s", out)
	}
	if _, ok := h.copyDirect(deepMap(maxMapDepth+1), fastClear); ok {
		t.Fatal("a map nested deeper than maxMapDepth stayed on the flat path")
	}
}

// The flat path takes the maps events carry, and hashes what is not clear.
func TestCopyMapFlatPathHashes(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	out, ok := h.copyDirect(map[string]any{"name": "pull", "password": "hunter2", "version": 1}, fastClear)
	if !ok {
		t.Fatal("a flat map of strings and integers left the flat path")
	}
	if bytes.Contains(out, []byte("hunter2")) || !bytes.Contains(out, []byte(h.HMAC("hunter2"))) {
		t.Fatalf("secret not hashed: %s", out)
	}
}

// A secret's metadata (a map of strings) and a token's access (a list of
// maps) stay on the flat path: each took the JSON round trip before.
func TestCopyMapFlatPathTakesMetadataAndAccess(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	m := map[string]any{
		"metadata": map[string]string{"owner": "hunter2"},
		"access":   []map[string]any{{"type": "repository", "name": "acme/app", "actions": []string{"pull", "push"}}},
	}
	out, ok := h.copyDirect(m, fastClear)
	if !ok {
		t.Fatal("metadata or access left the flat path")
	}
	if bytes.Contains(out, []byte("hunter2")) || !bytes.Contains(out, []byte(h.HMAC("hunter2"))) {
		t.Fatalf("a metadata value was not hashed: %s", out)
	}
	if !bytes.Contains(out, []byte(`"name":"acme/app"`)) {
		t.Fatalf("a name in the access list (a clear key) was not kept: %s", out)
	}
}
