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

// The flat path takes the maps events carry, and hashes what is not clear.
func TestCopyMapFlatPathHashes(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	out, ok := h.copyFlat(map[string]any{"name": "pull", "password": "hunter2", "version": 1}, fastClear)
	if !ok {
		t.Fatal("a flat map of strings and integers left the flat path")
	}
	if bytes.Contains(out, []byte("hunter2")) || !bytes.Contains(out, []byte(h.HMAC("hunter2"))) {
		t.Fatalf("secret not hashed: %s", out)
	}
}
