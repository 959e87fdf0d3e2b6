package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
)

// In-package: decodeJSON is the decoder of every REST body, and the body
// types are the package's own.

// bodyDecoders decode one body type each, as its handler does, and
// re-encode the result.
var bodyDecoders = []func(w http.ResponseWriter, r *http.Request) (any, error){
	func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b credentialBody
		return b, decodeJSON(w, r, &b)
	},
	func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b groupBody
		return b, decodeJSON(w, r, &b)
	},
	func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b groupPatchBody
		err := decodeJSON(w, r, &b)
		return b, err
	},
	func(w http.ResponseWriter, r *http.Request) (any, error) { return decodeHostBody(w, r) },
	func(w http.ResponseWriter, r *http.Request) (any, error) { return decodeServerBody(w, r, "server-1") },
	func(w http.ResponseWriter, r *http.Request) (any, error) {
		var b roleMappingBody
		err := decodeJSON(w, r, &b)
		return b, err
	},
}

var bodySeeds = []string{
	`{"username":"u","password":"p","url":"https://registry.example.com"}`,
	`{"name":"tenant-a","policies":["tenant-a_policy"],"metadata":{"k":"v"}}`,
	`{"policies":["tenant-b_policy","tenant-a_policy"]}`,
	`{"virtualHost":{"name":"ssltest.yahoo.com","scheme":"https","port":443,"owner":["yca:some-role"],"securityData":{"SelfSignedSSL":{"dname":"CN=ssltest.yahoo.com, OU=Unknown, O=Unknown"}}}}`,
	`{"server":{"serverId":"server-1","host":"10.0.0.1","port":8080}}`,
	`{"principalId":"p","role":"admin","principalName":"n"}`,
	`{"username":"u"} {}`, `{"username":1}`, `[]`, `null`, ``, `{`, `{"x":1}`,
}

// strictSeeds are issue 11's examples of bodies to refuse.
var strictSeeds = []string{
	"{\"password\":\"\xff\"}", `{"password":"\ud800"}`, `{"password":"\udc00\ud800"}`, `{"USERNAME":"u","PassWord":"p1","password":"p2"}`,
	`{"username":"u","username":"v"}`, `{"metadata":{"k":"a","k":"b"}}`, `{"Metadata":{},"metadata":{}}`, `{"ſerver":{},"server":{}}`,
}

func decodeBody(t *testing.T, which int, body []byte) (any, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return bodyDecoders[which](httptest.NewRecorder(), r)
}

// FuzzDecodeJSONRoundTrip: a refusal is ErrInvalid or too large, with a
// printable message; an accepted body decodes to a value that, encoded
// again, decodes to the same value.
func FuzzDecodeJSONRoundTrip(f *testing.F) {
	for i := range bodyDecoders {
		for _, s := range append(bodySeeds, strictSeeds...) {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		i := int(which) % len(bodyDecoders)
		v, err := decodeBody(t, i, body)
		if err != nil {
			if !errors.Is(err, handlers.ErrInvalid) && !errors.Is(err, errTooLarge) {
				t.Fatalf("decoder %d refused %q with %v", i, body, err)
			}
			if msg := err.Error(); !utf8.ValidString(msg) || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("decoder %d: unprintable refusal %q", i, msg)
			}
			return
		}
		first, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("decoder %d accepted %q into %+v, which does not encode: %v", i, body, v, err)
		}
		back, err := decodeBody(t, i, first)
		if err != nil {
			t.Fatalf("decoder %d accepted %q, refuses its re-encoding %s: %v", i, body, first, err)
		}
		if second, _ := json.Marshal(back); !bytes.Equal(first, second) {
			t.Fatalf("decoder %d: %q decodes as %s, then as %s", i, body, first, second)
		}
	})
}

// FuzzDecodeJSONStrict states the strict-input rule of issue 11: an
// accepted body is UTF-8, has no unpaired surrogate escape, and no object
// with two member names that are equal but for case (or equal).
func FuzzDecodeJSONStrict(f *testing.F) {
	for i := range bodyDecoders {
		for _, s := range append(bodySeeds, strictSeeds...) {
			f.Add(uint8(i), []byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		i := int(which) % len(bodyDecoders)
		if _, err := decodeBody(t, i, body); err != nil {
			return
		}
		if !utf8.Valid(body) {
			t.Fatalf("decoder %d accepted %q, not UTF-8", i, body)
		}
		if bad := loneSurrogate(body); bad != "" {
			t.Fatalf("decoder %d accepted %q, with the lone surrogate %s", i, body, bad)
		}
		if twin := caseTwin(json.NewDecoder(bytes.NewReader(body))); twin != "" {
			t.Fatalf("decoder %d accepted %q, with member names %s", i, body, twin)
		}
	})
}

// loneSurrogate returns the first \uD800-\uDFFF escape of a JSON text not
// part of a high-low pair, or "".
func loneSurrogate(b []byte) string {
	inString := false
	for i := 0; i < len(b); i++ {
		switch {
		case !inString:
			inString = b[i] == '"'
		case b[i] == '"':
			inString = false
		case b[i] == '\\' && i+1 < len(b) && b[i+1] != 'u':
			i++
		case b[i] == '\\' && i+5 < len(b):
			r, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 16)
			switch {
			case r >= 0xD800 && r < 0xDC00:
				if i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
					if lo, _ := strconv.ParseUint(string(b[i+8:i+12]), 16, 16); lo >= 0xDC00 && lo < 0xE000 {
						i += 11
						continue
					}
				}
				return string(b[i : i+6])
			case r >= 0xDC00 && r < 0xE000:
				return string(b[i : i+6])
			}
			i += 5
		}
	}
	return ""
}

// caseTwin walks the tokens of one JSON value and names the first object
// holding two member names equal under case folding, or twice the same
// name. The members of a map-typed field (metadata, securityData) are data,
// not field names: there only exact repeats count.
func caseTwin(dec *json.Decoder) string { return twinIn(dec, false) }

func twinIn(dec *json.Decoder, isMap bool) string {
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]string{}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return ""
			}
			name, _ := k.(string)
			key := name
			if !isMap {
				key = foldName(name)
			}
			if prev, dup := seen[key]; dup {
				return strconv.Quote(prev) + " and " + strconv.Quote(name)
			}
			seen[key] = name
			if twin := twinIn(dec, !isMap && (name == "metadata" || name == "securityData")); twin != "" {
				return twin
			}
		}
		_, _ = dec.Token()
	case json.Delim('['):
		for dec.More() {
			if twin := twinIn(dec, false); twin != "" {
				return twin
			}
		}
		_, _ = dec.Token()
	}
	return ""
}

// foldName maps each rune to the smallest of its case-folding orbit, the
// classes encoding/json matches names by ("password", "PASSWORD", "paſſword").
func foldName(s string) string {
	return strings.Map(func(r rune) rune {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		return low
	}, s)
}
