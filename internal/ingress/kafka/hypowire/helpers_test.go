package hypowire_test

import (
	"bytes"
	"encoding/json"
	"testing"
)

func mustUnmarshal(t *testing.T, b []byte, into any) {
	t.Helper()
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("unmarshal %s: %v", b, err)
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withField returns the JSON object payload with one top-level field set
// (value nil deletes it).
func withField(t *testing.T, payload, field string, value any) []byte {
	t.Helper()
	var m map[string]any
	mustUnmarshal(t, []byte(payload), &m)
	if value == nil {
		delete(m, field)
	} else {
		m[field] = value
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
