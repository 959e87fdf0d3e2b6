package schemas

import (
	"fmt"
	"path"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// EventSchemaBase prefixes the $id of every event schema; the file under
// events/ is the rest of the $id.
const EventSchemaBase = "https://hypo-registry.dev/schemas/events/"

// EventCompiler returns a draft 2020-12 compiler that loads the embedded
// event schemas by $id and nothing else: a $ref outside events/ fails to
// compile, never fetches.
func EventCompiler() *jsonschema.Compiler {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(eventLoader{})
	return c
}

type eventLoader struct{}

func (eventLoader) Load(url string) (any, error) {
	file, ok := strings.CutPrefix(url, EventSchemaBase)
	if !ok {
		return nil, fmt.Errorf("schema %s is not embedded under events/", url)
	}
	f, err := Events.Open(path.Join("events", file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}
