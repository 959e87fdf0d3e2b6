package jsonappend_test

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/jsonappend"
)

// FuzzStringAndTime: String and Time append what json.Marshal writes.
func FuzzStringAndTime(f *testing.F) {
	f.Add("plain", int64(1_700_000_000), int64(5), 0)
	f.Add("<a&b>\"\\\x00\x1f\u2028\u2029\xff\U0001F511", int64(-62_135_596_801), int64(0), 3600)
	f.Add("", int64(253_402_300_800), int64(999_999_999), -45)
	f.Fuzz(func(t *testing.T, s string, sec, nsec int64, offset int) {
		want, _ := json.Marshal(s)
		if got := jsonappend.String([]byte("x"), s); !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("String(%q) = %s, json.Marshal %s", s, got[1:], want)
		}
		tm := time.Unix(sec, nsec%1_000_000_000).In(time.FixedZone("z", offset%86400))
		want, werr := json.Marshal(tm)
		got, gerr := jsonappend.Time([]byte("x"), tm)
		if (werr != nil) != (gerr != nil) {
			t.Fatalf("%v: json.Marshal error %v, Time error %v", tm, werr, gerr)
		}
		if werr == nil && !bytes.Equal(got, append([]byte("x"), want...)) {
			t.Fatalf("Time(%v) = %s, json.Marshal %s", tm, got[1:], want)
		}
	})
}
