package redact

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// CopyJSON's fast path must give today's redact.CopyJSON output (the
// reflective copyJSONSlow) byte for byte, and fail where it fails.

var fastClear = map[string]bool{"name": true, "meta": true}

func fastHasher(t testing.TB) *Hasher {
	h, err := NewHasher(bytes.Repeat([]byte{7}, MinKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func checkSame(t testing.TB, h *Hasher, in []byte) {
	t.Helper()
	want, werr := h.copyJSONSlow(in, fastClear)
	got, gerr := h.CopyJSON(in, fastClear)
	if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("CopyJSON(%q):\n got %s (%v)\nwant %s (%v)", in, got, gerr, want, werr)
	}
	if werr == nil {
		if fast, err := h.copyJSONFast(in, fastClear); err != nil || !bytes.Equal(fast, want) {
			t.Fatalf("copyJSONFast(%q) = %s, %v: valid input left the fast path", in, fast, err)
		}
	}
}

var fastCases = []string{
	`{"name":"pull","actor":"user-acme","password":"hunter2"}`,
	` { "b" : [1, -0.5e+3, 2E-2, true, false, null] , "a" : "x" } `,
	`{"a":1,"a":"second wins","z":{}}`,
	`{"meta":{"owner":"alice","list":["s3cr3t",{"name":"n"}]},"x":[{"name":"alice","pw":"p"}]}`,
	`{"k":"hmac-sha256:00ff","l":"<a&b>","u":"\u00e9\u2028\ud83d\ude00","e":"a\"b\\c\n","bad":"\xff"}`,
	`{"<key>":"v","é":"w","\u0041":"x"}`,
	`"top"`, `12345678901234567890`, `[]`, `{}`, `[[[]]]`,
	// invalid: both fail
	``, `{`, `{"a":}`, `[1,]`, `01`, `1.`, `-`, `{"a":1}x`, `1 2`, `tru`, `"a`, "\"\x01\"", `{"a" 1}`, `"\x"`,
}

func TestCopyJSONFastEqualsReflective(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	for _, c := range fastCases {
		checkSame(t, h, []byte(c))
	}
	checkSame(t, h, []byte(strings.Repeat("[", maxDepth+1)+strings.Repeat("]", maxDepth+1)))
}

// TestCopyJSONGolden pins the output for a fixed key, so a change to either
// path that changes stored audit records shows.
func TestCopyJSONGolden(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	got, err := h.CopyJSON([]byte(`{"password":"hunter2","name":"pull","n":1,"meta":{"a":"<b>"}}`), fastClear)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"meta":{"a":"\u003cb\u003e"},"n":1,"name":"pull","password":"` + h.HMAC("hunter2") + `"}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestCopyJSONRandom(t *testing.T) {
	t.Parallel()
	h := fastHasher(t)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 3000; i++ {
		checkSame(t, h, randomJSON(rng, 0, nil))
	}
}

var randomKeys = []string{"name", "meta", "a", "b", "password", "é", "<k>", "a"}
var randomScalars = []string{`"s"`, `"hmac-sha256:ab"`, `"\u00e9&"`, `""`, `0`, `-1.5e3`, `true`, `null`, `"\ud800"`}

func randomJSON(rng *rand.Rand, depth int, b []byte) []byte {
	switch k := rng.IntN(4); {
	case k == 0 && depth < 4:
		b = append(b, '{')
		for i, n := 0, rng.IntN(4); i < n; i++ {
			if i > 0 {
				b = append(b, ", "[:1+rng.IntN(2)]...)
			}
			b = append(b, `"`+randomKeys[rng.IntN(len(randomKeys))]+`":`...)
			b = randomJSON(rng, depth+1, b)
		}
		return append(b, '}')
	case k == 1 && depth < 4:
		b = append(b, '[')
		for i, n := 0, rng.IntN(4); i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			b = randomJSON(rng, depth+1, b)
		}
		return append(b, ']')
	default:
		return append(b, randomScalars[rng.IntN(len(randomScalars))]...)
	}
}

func FuzzCopyJSON(f *testing.F) {
	for _, c := range fastCases {
		f.Add([]byte(c))
	}
	h := fastHasher(f)
	f.Fuzz(func(t *testing.T, in []byte) { checkSame(t, h, in) })
}
