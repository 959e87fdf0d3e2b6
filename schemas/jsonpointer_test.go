package schemas_test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// walk calls f on every object of v with its JSON pointer.
func walk(v any, at string, f func(at string, node map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		f(at, v)
		for k, child := range v {
			walk(child, at+"/"+escape(k), f)
		}
	case []any:
		for i, child := range v {
			walk(child, at+"/"+strconv.Itoa(i), f)
		}
	}
}

func escape(token string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(token)
}

// resolve returns the value the local reference ref names.
func resolve(doc map[string]any, ref string) (any, error) {
	pointer, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("not a local reference")
	}
	if pointer == "" {
		return doc, nil
	}
	if !strings.HasPrefix(pointer, "/") {
		return nil, fmt.Errorf("not a JSON pointer")
	}
	var cur any = doc
	for _, token := range strings.Split(pointer[1:], "/") {
		token = strings.NewReplacer("~1", "/", "~0", "~").Replace(token)
		switch node := cur.(type) {
		case map[string]any:
			next, ok := node[token]
			if !ok {
				return nil, fmt.Errorf("no member %q", token)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(token)
			if err != nil || i < 0 || i >= len(node) {
				return nil, fmt.Errorf("no index %q", token)
			}
			cur = node[i]
		default:
			return nil, fmt.Errorf("%q indexes a scalar", token)
		}
	}
	return cur, nil
}

// deref follows $ref chains to an object.
func deref(t *testing.T, doc map[string]any, v any) map[string]any {
	t.Helper()
	for range 10 {
		node, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v is not an object", v)
		}
		ref, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		next, err := resolve(doc, ref)
		if err != nil {
			t.Fatalf("$ref %q: %v", ref, err)
		}
		v = next
	}
	t.Fatalf("$ref chain too long at %v", v)
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
