package plainjson_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/plainjson"
)

// FuzzStringAndTime: String and Time append what json.Marshal writes.
func FuzzStringAndTime(f *testing.F) {
	f.Add("plain", int64(1_700_000_000), int64(5), 0)
	f.Add("<a&b>\"\\\x00\x1f\u2028\u2029\xff\U0001F511", int64(-62_135_596_801), int64(0), 3600)
	f.Add("", int64(253_402_300_800), int64(999_999_999), -45)
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64, offset int) {
		want, _ := json.Marshal(s)
		if got := plainjson.AppendString([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("String(%q) = %s, json.Marshal %s", s, got[1:], want)
		}
		tm := time.Unix(sec, nsec%1_000_000_000).In(time.FixedZone("z", offset%86400))
		want, werr := json.Marshal(tm)
		got, gerr := plainjson.AppendTime([]byte("x"), tm)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%v: json.Marshal error %v, Time error %v", tm, werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("Time(%v) = %s, json.Marshal %s", tm, got[1:], want)
		}
	})
}

// FuzzReadString: what ReadString takes, json.Unmarshal decodes to the
// same string, ending where ReadString says; and it takes what
// AppendString writes of printable ASCII.
func FuzzReadString(f *testing.F) {
	for _, s := range []string{`"plain"`, `""`, `"a\"b"`, "\"ctl\x01\"", "\"bad\xff\"", `"caf` + "\u00e9" + `" , `, `"unterminated`, `x"`, `"\u00e9"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, end, ok := plainjson.ReadString(b, 0)
		if !ok {
			return
		}
		var want string
		if err := json.Unmarshal(b[:end], &want); err != nil || want != s {
			t.Fatalf("ReadString(%q) = %q ending at %d; json.Unmarshal gives %q, %v", b, s, end, want, err)
		}
	})
	for _, s := range []string{"bench-password", "https://r.example.com/a?b=c", ""} {
		b := plainjson.AppendString(nil, s)
		if got, end, ok := plainjson.ReadString(b, 0); !ok || got != s || end != len(b) {
			f.Errorf("ReadString(%s) = %q, %d, %v", b, got, end, ok)
		}
	}
}
