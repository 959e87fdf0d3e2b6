package rest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"

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
// Surrogates are found by scanning the raw string tokens: a decoded string
// has its lone surrogates already replaced. Keys are checked by walking the
// body alongside the target's type, so a map's keys (data) may differ in
// case while a struct's (fields) may not.
func checkJSON(raw []byte, target reflect.Type) error {
	if err := checkText(raw); err != nil {
		return err
	}
	it := jsoniter.ConfigFastest.BorrowIterator(raw)
	defer jsoniter.ConfigFastest.ReturnIterator(it)
	// Anything but ErrInvalid means the body is not JSON: the decoder that
	// runs next says where, as it always did.
	if err := walkJSON(it, target); errors.Is(err, handlers.ErrInvalid) {
		return err
	}
	return nil
}

// checkText refuses invalid UTF-8 and lone surrogates.
func checkText(raw []byte) error {
	if !utf8.Valid(raw) {
		return fmt.Errorf("%w: body is not valid UTF-8", handlers.ErrInvalid)
	}
	return checkSurrogates(raw)
}

// walkJSON reads one value from it; t is the Go type it will be decoded
// into, nil where any JSON is accepted (interface, json.RawMessage, a
// custom unmarshaler). A body that is not JSON ends the walk with the
// iterator's error (or none): only what the decoder would have accepted
// matters here, and it accepts valid JSON only. The iterator reads keys
// and skips scalars in place, where json.Decoder's tokens allocated a
// value each.
func walkJSON(it *jsoniter.Iterator, t reflect.Type) error {
	t = concrete(t)
	switch it.WhatIsNext() {
	case jsoniter.ObjectValue:
		return walkObject(it, t)
	case jsoniter.ArrayValue:
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		var err error
		it.ReadArrayCB(func(it *jsoniter.Iterator) bool {
			err = walkJSON(it, elem)
			return err == nil
		})
		return cmp.Or(err, it.Error)
	}
	it.Skip()
	return it.Error
}

func walkObject(it *jsoniter.Iterator, t reflect.Type) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	var (
		seen keySet
		err  error
	)
	it.ReadObjectCB(func(it *jsoniter.Iterator, key string) bool {
		if !seen.add(key) {
			err = fmt.Errorf("%w: key %s is given more than once", handlers.ErrInvalid, quoteKey(key))
			return false
		}
		var vt reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[key]
			if !ok {
				err = fmt.Errorf("%w: unknown field %s", handlers.ErrInvalid, quoteKey(key))
				return false
			}
			vt = ft
		case t != nil && t.Kind() == reflect.Map:
			vt = t.Elem()
		}
		err = walkJSON(it, vt)
		return err == nil
	})
	return cmp.Or(err, it.Error)
}

// keySet holds the keys of one object: a few in a slice, searched in
// order (a body's objects have a handful of keys), a map past that, so a
// body of many keys costs no more than one map per object.
type keySet struct {
	few  []string
	many map[string]bool
}

// add reports whether key is new, and adds it.
func (s *keySet) add(key string) bool {
	if s.many != nil {
		if s.many[key] {
			return false
		}
		s.many[key] = true
		return true
	}
	if slices.Contains(s.few, key) {
		return false
	}
	if len(s.few) < 8 {
		s.few = append(s.few, key)
		return true
	}
	s.many = make(map[string]bool, 2*len(s.few))
	for _, k := range s.few {
		s.many[k] = true
	}
	s.many[key] = true
	return true
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
