package bolt

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

// FuzzDecodePlainData: whatever decodePlainData accepts, json.Unmarshal
// decodes to the same map; and what json.Marshal writes of printable
// values it accepts (the fast path is the usual one, not a dead branch).
func FuzzDecodePlainData(f *testing.F) {
	for _, s := range []string{
		`{"username":"u","password":"p","url":"https://r.example.com"}`,
		`{}`, ` { } `, `{"a":"1","a":"2"}`, "{\"k\" :\t\"v\" ,\n\"k2\":\r\"\"}",
		`{"esc":"a\"b"}`, `{"u":"\u00e9"}`, `{"n":1}`, `{"a":"b",}`, `{"a":"b"} x`, `null`, `[]`,
		"{\"ctl\":\"a\x01b\"}", "{\"bad\":\"\xff\"}", `{"caf` + "\u00e9" + `":"` + "\U0001F511" + `"}`, `{"a":"b"`, `{"a"}`, `{"a":}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := decodePlainData(b)
		var want handlers.SecretData
		err := json.Unmarshal(b, &want)
		if !ok {
			return // json.Unmarshal decides
		}
		if err != nil {
			t.Fatalf("decodePlainData accepted %q, which json.Unmarshal refuses: %v", b, err)
		}
		if !maps.Equal(got, want) || got == nil {
			t.Fatalf("%q: decodePlainData %v, json.Unmarshal %v", b, got, want)
		}
	})
}

func TestDecodePlainDataTakesMarshalledText(t *testing.T) {
	for _, data := range []handlers.SecretData{
		{"username": "bench-user", "password": "bench-password", "url": "https://registry.example.com"},
		{"kubeconfig": "apiVersion: v1 ~ caf\u00e9 \U0001F511"},
		{},
	} {
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodePlainData(b)
		if !ok || !maps.Equal(got, data) {
			t.Errorf("%s: decodePlainData %v, %v", b, got, ok)
		}
	}
	// json.Marshal escapes these: json.Unmarshal decodes them.
	if _, ok := decodePlainData([]byte(`{"p":"a\u003cb"}`)); ok {
		t.Error("an escaped string took the plain path")
	}
}
