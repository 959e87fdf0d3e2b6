package rest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hypo-registry/registry/handlers"
)

// checkJSON refuses what encoding/json would accept silently and read
// differently from what the client meant, before anything is decoded:
//   - invalid UTF-8 (encoding/json turns each bad byte into U+FFFD);
//   - an escaped lone surrogate such as "\ud800" (also turned into U+FFFD);
//   - a key given twice in one object, at any depth (the last one wins);
//   - a key that names a field of the target only when case is ignored
//     ("PassWord" for "password": encoding/json matches it): it is an
//     unknown field, like any other key that is not exactly a field's name.
//
// Surrogates are found by scanning the raw string tokens: json.Decoder's
// tokens are already decoded, their lone surrogates already replaced. Keys
// are checked by walking the tokens alongside the target's type, so a map's
// keys (data) may differ in case while a struct's (fields) may not.
func checkJSON(raw []byte, target reflect.Type) error {
	if !utf8.Valid(raw) {
		return fmt.Errorf("%w: body is not valid UTF-8", handlers.ErrInvalid)
	}
	if err := checkSurrogates(raw); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := walkJSON(dec, target); errors.Is(err, handlers.ErrInvalid) {
		return err
	}
	// Anything else means the body is not JSON: the decoder that runs next
	// says where, as it always did.
	return nil
}

// walkJSON reads one value from dec; t is the Go type it will be decoded
// into, nil where any JSON is accepted (interface, json.RawMessage, a
// custom unmarshaler).
func walkJSON(dec *json.Decoder, t reflect.Type) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	t = concrete(t)
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkJSON(dec, elem); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return err
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type) error {
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
		if err := walkJSON(dec, vt); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// quoteKey quotes a client's key for a message, shortened: it is the
// client's own text, never a value, but it need not be echoed whole.
func quoteKey(key string) string {
	const max = 64
	if len(key) > max {
		key = strings.ToValidUTF8(key[:max], "") + "…"
	}
	return fmt.Sprintf("%q", key)
}

var (
	rawMessageType  = reflect.TypeFor[json.RawMessage]()
	unmarshalerType = reflect.TypeFor[json.Unmarshaler]()
)

// concrete is t without pointers; nil when t takes any JSON.
func concrete(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t == rawMessageType || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

// jsonFields maps the exact JSON names of t's fields to their types, with
// the fields of embedded structs promoted as encoding/json promotes them
// (a shallower field wins).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := buildJSONFields(t)
	fieldCache.Store(t, m)
	return m
}

// fieldCache holds jsonFields per type: the body types are few and fixed,
// and reflecting over them on every object of every request is waste.
var fieldCache sync.Map // reflect.Type -> map[string]reflect.Type (read only)

func buildJSONFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if ft := concrete(f.Type); ft != nil && ft.Kind() == reflect.Struct {
				embedded = append(embedded, ft)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	for _, e := range embedded {
		for name, ft := range buildJSONFields(e) {
			if _, ok := out[name]; !ok {
				out[name] = ft
			}
		}
	}
	return out
}
