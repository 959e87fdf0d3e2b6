package registrytoken_test

import (
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/schemas"
)

// checkEventSchemas validates the data of each token event, as stored, with
// the schema of its type.
func checkEventSchemas(t *testing.T, s *stack) {
	t.Helper()
	c := schemas.EventCompiler()
	types, _, _ := s.tokenEvents(t)
	datas := s.rawEventData(t)
	for i, typ := range types {
		sch, err := c.Compile(schemas.EventSchemaBase + typ + ".v1.json")
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
