package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

// refWalk is the key check as json.Decoder's tokens did it before the
// iterator replaced them: the reference the iterator's walk must equal on
// every valid JSON body.
func refWalk(raw []byte, target reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := refWalkJSON(dec, target); errors.Is(err, handlers.ErrInvalid) {
		return err
	}
	return nil
}

func refWalkJSON(dec *json.Decoder, t reflect.Type) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	t = concrete(t)
	switch tok {
	case json.Delim('{'):
		return refWalkObject(dec, t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := refWalkJSON(dec, elem); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

func refWalkObject(dec *json.Decoder, t reflect.Type) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("%w: key %s is given more than once", handlers.ErrInvalid, quoteKey(key))
		}
		seen[key] = true
		var vt reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				return fmt.Errorf("%w: unknown field %s", handlers.ErrInvalid, quoteKey(key))
			}
			vt = ft
		case t != nil && t.Kind() == reflect.Map:
			vt = t.Elem()
		}
		if err := refWalkJSON(dec, vt); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// walkTargets are body types of every shape the walk meets: structs with
// embedded and nested structs, pointers, slices, maps of raw JSON, and
// any JSON at all.
var walkTargets = []reflect.Type{
	reflect.TypeFor[*credentialBody](),
	reflect.TypeFor[*createBody](),
	reflect.TypeFor[*heartbeatBody](),
	reflect.TypeFor[*map[string]any](),
	reflect.TypeFor[*[]map[string]int](),
	reflect.TypeFor[*any](),
}

var walkSeeds = []string{
	`{"username":"u","password":"p","url":"https://r.example.com"}`,
	`{"username":"u","username":"v"}`,
	`{"USERNAME":"u"}`,
	`{"server":{"host":"h","port":1}}`,
	`{"server":{"host":"h","Host":"i"}}`,
	`{"server":{"host":"h","host":"i"}}`,
	`{"server":null}`,
	`{"server":[1,2]}`,
	`{"virtualHost":{"name":"a","owner":["x","y"],"securityData":{"SelfSignedSSL":{},"x":{"a":1,"a":2}}}}`,
	`{"virtualHost":{"name":"a","securityData":{"S":{},"S":{}}}}`,
	`{"virtualHost":{"owner":[{"a":1,"a":1}]}}`,
	`[{"a":1,"b":2},{"a":1,"a":2}]`,
	`[{"A":1,"a":2}]`,
	`{"a":{"b":[{"c":1,"c":2}]}}`,
	`{"a\u0062":1,"ab":2}`,
	`{"\u00e9":1,"é":2}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"a":11}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"a":9}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"i":10}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"h":9}`,
	` {"x" : [ true , false , null , -1.5e3 , "s\"\\" ] } `,
	`"just a string"`, `12`, `null`, `[]`, `{}`,
}

// TestWalkEqualsTheDecoderWalk: on every seed and target the iterator's
// walk refuses exactly what the decoder's tokens refused, with the same
// words.
func TestWalkEqualsTheDecoderWalk(t *testing.T) {
	for _, seed := range walkSeeds {
		if !json.Valid([]byte(seed)) {
			t.Fatalf("seed %s is not valid JSON", seed)
		}
		for _, target := range walkTargets {
			compareWalks(t, []byte(seed), target)
		}
	}
}

// FuzzWalkEqualsTheDecoderWalk: the same on any valid JSON. On a body that
// is not JSON the two may differ (the decoder refuses it either way).
func FuzzWalkEqualsTheDecoderWalk(f *testing.F) {
	for _, seed := range walkSeeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		for _, target := range walkTargets {
			compareWalks(t, raw, target)
		}
	})
}

func compareWalks(t *testing.T, raw []byte, target reflect.Type) {
	t.Helper()
	got, want := checkJSON(raw, target), refCheck(raw, target)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s into %s: iterator walk %v, decoder walk %v", raw, target, got, want)
	}
}

// refCheck is checkJSON with the decoder's walk.
func refCheck(raw []byte, target reflect.Type) error {
	if err := checkText(raw); err != nil {
		return err
	}
	return refWalk(raw, target)
}
