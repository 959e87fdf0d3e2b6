package schemas_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/schemas"
)

func document(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(schemas.OpenAPI))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	if dec.More() {
		t.Fatal("openapi.json holds more than one JSON value")
	}
	return doc
}

func TestOpenAPIIsEmbedded(t *testing.T) {
	t.Parallel()
	fromFS, err := schemas.FS.ReadFile("openapi.json")
	if err != nil {
		t.Fatalf("FS: %v", err)
	}
	if !bytes.Equal(fromFS, schemas.OpenAPI) {
		t.Error("FS and OpenAPI hold different openapi.json")
	}
}

func TestOpenAPIHeader(t *testing.T) {
	t.Parallel()
	doc := document(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	if _, ok := doc["paths"].(map[string]any); !ok {
		t.Fatal("no paths object")
	}
}

// TestOpenAPIRefsResolve follows every $ref: each must be a local JSON
// pointer (RFC 6901) naming a value of the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	t.Parallel()
	doc := document(t)
	refs := 0
	walk(doc, "#", func(at string, node map[string]any) {
		ref, ok := node["$ref"]
		if !ok {
			return
		}
		refs++
		s, ok := ref.(string)
		if !ok {
			t.Errorf("%s: $ref is not a string", at)
			return
		}
		if _, err := resolve(doc, s); err != nil {
			t.Errorf("%s: $ref %q: %v", at, s, err)
		}
	})
	if refs == 0 {
		t.Error("no $ref found: the walk is broken")
	}
}

// TestOpenAPIComponentsAreUsed keeps the document free of dead components.
func TestOpenAPIComponentsAreUsed(t *testing.T) {
	t.Parallel()
	doc := document(t)
	used := map[string]bool{}
	walk(doc, "#", func(_ string, node map[string]any) {
		if s, ok := node["$ref"].(string); ok {
			used[s] = true
		}
	})
	components, _ := doc["components"].(map[string]any)
	for kind, entries := range components {
		if kind == "securitySchemes" {
			continue
		}
		for name := range entries.(map[string]any) {
			if ref := "#/components/" + kind + "/" + name; !used[ref] {
				t.Errorf("%s is never referenced", ref)
			}
		}
	}
}

var templateVar = regexp.MustCompile(`\{([^}]+)\}`)

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIOperations checks what a reader of every operation relies on:
// unique operation ids, declared path parameters, responses with a
// description, problem details for every error, known security schemes.
func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	doc := document(t)
	schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	ids := map[string]string{}
	for _, path := range sortedKeys(doc["paths"].(map[string]any)) {
		item := doc["paths"].(map[string]any)[path].(map[string]any)
		for _, method := range methods {
			raw, ok := item[method]
			if !ok {
				continue
			}
			op := raw.(map[string]any)
			where := strings.ToUpper(method) + " " + path
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s: operationId %q is also %s", where, id, other)
			}
			ids[id] = where

			declared := map[string]bool{}
			for _, list := range []any{item["parameters"], op["parameters"]} {
				for _, p := range asSlice(list) {
					param := deref(t, doc, p)
					if param["in"] == "path" {
						if param["required"] != true {
							t.Errorf("%s: path parameter %v is not required", where, param["name"])
						}
						declared[param["name"].(string)] = true
					}
				}
			}
			var inTemplate []string
			for _, m := range templateVar.FindAllStringSubmatch(path, -1) {
				inTemplate = append(inTemplate, m[1])
				if !declared[m[1]] {
					t.Errorf("%s: {%s} is not declared as a path parameter", where, m[1])
				}
			}
			for name := range declared {
				if !slices.Contains(inTemplate, name) {
					t.Errorf("%s: path parameter %s is not in the template", where, name)
				}
			}

			checkResponses(t, doc, where, op)

			if sec, ok := op["security"]; ok {
				for _, req := range asSlice(sec) {
					for name := range req.(map[string]any) {
						if schemes[name] == nil {
							t.Errorf("%s: unknown security scheme %q", where, name)
						}
					}
				}
			}
		}
	}
	for _, req := range asSlice(doc["security"]) {
		for name := range req.(map[string]any) {
			if schemes[name] == nil {
				t.Errorf("global security: unknown scheme %q", name)
			}
		}
	}
}

func checkResponses(t *testing.T, doc map[string]any, where string, op map[string]any) {
	t.Helper()
	responses, _ := op["responses"].(map[string]any)
	if len(responses) == 0 {
		t.Errorf("%s: no responses", where)
		return
	}
	success := false
	for code, raw := range responses {
		status, err := strconv.Atoi(code)
		if err != nil || status < 100 || status > 599 {
			t.Errorf("%s: response key %q is not a status code", where, code)
			continue
		}
		resp := deref(t, doc, raw)
		if d, _ := resp["description"].(string); d == "" {
			t.Errorf("%s %s: no description", where, code)
		}
		content, _ := resp["content"].(map[string]any)
		switch {
		case status < 400:
			success = true
			if status == 204 && content != nil {
				t.Errorf("%s 204 has content", where)
			}
		case status == 503 && (strings.HasSuffix(where, " /readyz") || strings.HasSuffix(where, " /healthz")):
			// the probes answer their own bodies (readiness JSON, liveness
			// text), not a problem
		case strings.HasSuffix(where, " /token"):
			// seed 001's token service answers the distribution registry's
			// error body
			media, _ := content["application/json"].(map[string]any)
			schema, _ := media["schema"].(map[string]any)
			if len(content) != 1 || schema["$ref"] != "#/components/schemas/RegistryTokenError" {
				t.Errorf("%s %s: errors on /token are application/json RegistryTokenError only, got %v", where, code, sortedKeys(content))
			}
		case strings.Contains(where, " /registry/v1/"):
			// seed 004's registry answers seed 004's error body
			media, _ := content["application/json"].(map[string]any)
			schema, _ := media["schema"].(map[string]any)
			if len(content) != 1 || schema["$ref"] != "#/components/schemas/VirtualHostError" {
				t.Errorf("%s %s: errors under /registry/v1 are application/json VirtualHostError only, got %v", where, code, sortedKeys(content))
			}
		default:
			if _, ok := content["application/problem+json"]; !ok || len(content) != 1 {
				t.Errorf("%s %s: errors are application/problem+json only, got %v", where, code, sortedKeys(content))
			}
		}
	}
	if !success {
		t.Errorf("%s: no success response", where)
	}
}
