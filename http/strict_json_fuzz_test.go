package rest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	rest "github.com/hypo-registry/registry/http"
)

// FuzzCheckJSON: whatever the body, the check does not panic, and a body
// it passes decodes to exactly what it says: valid UTF-8, and no U+FFFD the
// client did not send itself (a lone surrogate or a bad byte would become
// one).
func FuzzCheckJSON(f *testing.F) {
	for _, seed := range []string{
		`{"username":"u","password":"p"}`,
		`{"username":"u","password":"\ud83d\ude00"}`,
		`{"username":"u","password":"\ud800"}`,
		`{"username":"u","password":"\udc00\ud800"}`,
		"{\"username\":\"u\",\"password\":\"\xff\"}",
		`{"USERNAME":"u","PassWord":"p1","password":"p2"}`,
		`{"username":"u","username":"v"}`,
		`{"a":{"b":[{"c":1,"c":2}]}}`,
		`{"password":"\\ud800"}`,
		`{"password":"\ufffd"}`,
		`[`, `{"password":`, `"\u`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var body rest.CredentialBody
		if rest.CheckJSON(raw, &body) != nil {
			return
		}
		if !utf8.Valid(raw) {
			t.Fatalf("passed invalid UTF-8: %q", raw)
		}
		var v any
		if json.Unmarshal(raw, &v) != nil {
			return
		}
		sentFFFD := bytes.Contains(raw, []byte("\uFFFD")) || strings.Contains(strings.ToLower(string(raw)), `\ufffd`)
		if !sentFFFD && strings.ContainsRune(mustMarshal(t, v), utf8.RuneError) {
			t.Fatalf("passed a body that decodes with U+FFFD the client did not send: %q", raw)
		}
	})
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
