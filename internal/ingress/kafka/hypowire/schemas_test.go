package hypowire_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/schemas"
)

// Every schema file compiles, has the $id of its name, and is a schema the
// Validator serves.
func TestEverySchemaCompiles(t *testing.T) {
	t.Parallel()
	files, err := fs.Glob(schemas.Kafka, "kafka/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		name := path.Base(f)
		b, err := schemas.Kafka.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			ID     string `json:"$id"`
			Schema string `json:"$schema"`
		}
		mustUnmarshal(t, b, &doc)
		if doc.ID != hypowire.SchemaBaseURL+name || doc.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $id %q $schema %q", name, doc.ID, doc.Schema)
		}
		want = append(want, strings.TrimSuffix(name, ".json"))
	}
	sort.Strings(want)
	if got := newValidator(t).Names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("compiled %v, files %v", got, want)
	}
}

// The AsyncAPI document is YAML, AsyncAPI 3, names the nine default topics
// and the poison topic,
// and every $ref resolves: local ones in the document, others to an
// embedded schema file.
func TestAsyncAPI(t *testing.T) {
	t.Parallel()
	b, err := schemas.Kafka.ReadFile("kafka/asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	if doc["asyncapi"] != "3.0.0" {
		t.Errorf("asyncapi = %v", doc["asyncapi"])
	}
	addresses := map[string]bool{}
	for _, ch := range doc["channels"].(map[string]any) {
		addresses[ch.(map[string]any)["address"].(string)] = true
	}
	topics := hypowire.DefaultTopics()
	for _, topic := range []string{topics.CredentialRequest, topics.KubeconfigStore, topics.KubeconfigRetrieve,
		topics.GroupPolicyCreate, topics.FabricCredsPersist, topics.FabricCredsDelete,
		topics.CredentialResponse, topics.KubeconfigResponse, topics.KubeconfigStoreResult, "registry.poison"} {
		if !addresses[topic] {
			t.Errorf("no channel for topic %s", topic)
		}
	}
	if len(addresses) != 10 {
		t.Errorf("%d channels, want 10", len(addresses))
	}
	for _, ref := range refs(doc) {
		if local, ok := strings.CutPrefix(ref, "#/"); ok {
			if !resolves(doc, strings.Split(local, "/")) {
				t.Errorf("dangling $ref %s", ref)
			}
			continue
		}
		if _, err := fs.Stat(schemas.Kafka, path.Join("kafka", ref)); err != nil || !strings.HasSuffix(ref, ".json") {
			t.Errorf("$ref %s is not an embedded schema file", ref)
		}
	}
	// Each incoming topic's messages carry the Authorization header.
	if !strings.Contains(string(b), "required: [Authorization]") {
		t.Error("no required Authorization header")
	}
}

func refs(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				out = append(out, s)
				continue
			}
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, refs(e)...)
		}
	}
	return out
}

func resolves(v any, tokens []string) bool {
	for _, tok := range tokens {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[tok]; !ok {
			return false
		}
	}
	return true
}

// The schemas are JSON; the AsyncAPI document is the only YAML.
func TestSchemaFilesAreJSON(t *testing.T) {
	t.Parallel()
	files, _ := fs.Glob(schemas.Kafka, "kafka/*.json")
	for _, f := range files {
		b, _ := schemas.Kafka.ReadFile(f)
		if !json.Valid(b) {
			t.Errorf("%s is not JSON", f)
		}
	}
}
