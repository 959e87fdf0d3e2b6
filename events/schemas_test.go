package events_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/schemas"
)

// schemaBase is the $id prefix of every event schema; the file under
// schemas/events/ is the rest of the $id.
const schemaBase = schemas.EventSchemaBase

// envelopeSchema is the schema of the CloudEvents envelope, the one file
// under schemas/events/ that is not an event type's.
const envelopeSchema = "cloudevent.v1.json"

// eventTypePrefix starts every event type.
const eventTypePrefix = "io.hypo.registry."

// eventTypeConstants parses the package's own source and returns every
// string constant that is an event type, by value. Any exported constant
// that is not the source, an extension name or a topic counts as one, so
// a new type cannot be added without its schema.
func eventTypeConstants(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	types := map[string]string{} // value -> constant name
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", name, err)
		}
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i >= len(vs.Values) || notEventType(id.Name) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Errorf("%s: constant %s is not a string literal; list it in notEventType or make it one", name, id.Name)
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatalf("%s: constant %s: %v", name, id.Name, err)
					}
					if !strings.HasPrefix(v, eventTypePrefix) {
						t.Errorf("%s: event type %s = %q does not start with %q", name, id.Name, v, eventTypePrefix)
					}
					if other, dup := types[v]; dup {
						t.Errorf("event types %s and %s share the value %q", other, id.Name, v)
					}
					types[v] = id.Name
				}
			}
		}
	}
	if len(types) == 0 {
		t.Fatal("found no event type constants")
	}
	return types
}

// notEventType names the package's constants that are not event types:
// unexported ones, the CloudEvents source, extension names and topics.
func notEventType(name string) bool {
	return !ast.IsExported(name) || name == "Source" || strings.HasPrefix(name, "Ext") || strings.HasPrefix(name, "Topic")
}

func eventSchemaFiles(t *testing.T) []string {
	t.Helper()
	names, err := fs.Glob(schemas.Events, "events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	files := make([]string, 0, len(names))
	for _, n := range names {
		files = append(files, path.Base(n))
	}
	return files
}

// TestEveryEventTypeHasASchema: each event type constant has
// schemas/events/<type>.v1.json, and every file there is an event type's
// or the envelope's.
func TestEveryEventTypeHasASchema(t *testing.T) {
	types := eventTypeConstants(t)
	files := eventSchemaFiles(t)
	for v, name := range types {
		if !slices.Contains(files, v+".v1.json") {
			t.Errorf("event type %s (%s) has no schema: add schemas/events/%s.v1.json", name, v, v)
		}
	}
	if !slices.Contains(files, envelopeSchema) {
		t.Errorf("no envelope schema schemas/events/%s", envelopeSchema)
	}
	for _, f := range files {
		if f == envelopeSchema {
			continue
		}
		typ, ok := strings.CutSuffix(f, ".v1.json")
		if _, known := types[typ]; !ok || !known {
			t.Errorf("schemas/events/%s is orphaned: no event type constant %q in events/", f, typ)
		}
	}
}

// TestEventSchemasCompile: every schema is draft 2020-12, has the $id of
// its file and compiles, loaded from the embedded files only.
func TestEventSchemasCompile(t *testing.T) {
	c := schemas.EventCompiler()
	for _, f := range eventSchemaFiles(t) {
		raw, err := fs.ReadFile(schemas.Events, "events/"+f)
		if err != nil {
			t.Fatal(err)
		}
		var head struct {
			Schema string `json:"$schema"`
			ID     string `json:"$id"`
			Title  string `json:"title"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if head.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema = %q, want draft 2020-12", f, head.Schema)
		}
		if head.ID != schemaBase+f {
			t.Errorf("%s: $id = %q, want %q", f, head.ID, schemaBase+f)
		}
		if head.Title == "" {
			t.Errorf("%s: no title", f)
		}
		if _, err := c.Compile(schemaBase + f); err != nil {
			t.Errorf("%s does not compile: %v", f, err)
		}
	}
}

// TestEventSchemaRefusesAClearSecret: a schema describes data as stored, so
// a secret field holding its value instead of an HMAC does not validate.
func TestEventSchemaRefusesAClearSecret(t *testing.T) {
	c := schemas.EventCompiler()
	s, err := c.Compile(schemaBase + "io.hypo.registry.imagepull.secret.created.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	hmac := "hmac-sha256:" + strings.Repeat("0a", 32)
	stored := map[string]any{"name": "s", "version": json.Number("1"), "actor": "alice@t", "username": hmac, "password": hmac, "url": hmac}
	if err := s.Validate(stored); err != nil {
		t.Fatalf("data as stored does not validate: %v", err)
	}
	clear := map[string]any{"name": "s", "version": json.Number("1"), "actor": "alice@t", "username": hmac, "password": "hunter2", "url": hmac}
	if err := s.Validate(clear); err == nil {
		t.Error("data with a clear password validates")
	}
}
