package dockertoken_test

import (
	"fmt"
	"path"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/schemas"
)

const eventSchemaBase = "https://hypo-registry.dev/schemas/events/"

type eventSchemaLoader struct{}

func (eventSchemaLoader) Load(u string) (any, error) {
	file, ok := strings.CutPrefix(u, eventSchemaBase)
	if !ok {
		return nil, fmt.Errorf("schema %s is not embedded under events/", u)
	}
	f, err := schemas.Events.Open(path.Join("events", file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}

// checkEventSchemas validates the data of each token event, as stored, with
// the schema of its type.
func checkEventSchemas(t *testing.T, s *stack) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(eventSchemaLoader{})
	types, _, _ := s.tokenEvents(t)
	datas := s.rawEventData(t)
	for i, typ := range types {
		sch, err := c.Compile(eventSchemaBase + typ + ".v1.json")
		if err != nil {
			t.Fatalf("schema of %s: %v", typ, err)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(datas[i]))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("event %d (%s) does not match its schema: %v\n%s", i, typ, err, datas[i])
		}
	}
}
