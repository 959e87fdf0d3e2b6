package hypowire

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hypo-registry/registry/schemas"
)

// SchemaBaseURL prefixes the $id of every Kafka schema.
const SchemaBaseURL = "https://hypo-registry.dev/schemas/kafka/"

// Schema names, the file names under schemas/kafka without ".json": one per
// payload of each topic.
const (
	SchemaKafkaRequest              = "kafka-request"
	SchemaKafkaResponse             = "kafka-response"
	SchemaKubeconfigStoreEvent      = "kubeconfig-store-event"
	SchemaKubeconfigStoreData       = "kubeconfig-store-data"
	SchemaKubeconfigStoreResultData = "kubeconfig-store-result-data"
	SchemaKubeconfigRetrieveRequest = "kubeconfig-retrieve-request"
	SchemaVaultSecretResponse       = "vault-secret-response"
	SchemaGroupPolicyMessage        = "group-policy-message"
	SchemaFabricCredsPersist        = "fabric-creds-persist"
	SchemaFabricCredsDelete         = "fabric-creds-delete"
)

// Sentinel errors.
var (
	// ErrInvalid: the payload does not satisfy its schema.
	ErrInvalid = errors.New("invalid payload")
	// ErrUnknownSchema: no schema of that name.
	ErrUnknownSchema = errors.New("unknown schema")
)

// Validator checks payloads against the embedded Kafka schemas. It is safe
// for concurrent use.
type Validator struct {
	schemas map[string]*jsonschema.Schema
	// ignored is WithIgnored's hook, nil when none.
	ignored func(schema, pointer string)
}

// NewValidator compiles every embedded schema once. Schemas load from the
// embedded files only: a $ref outside them is an error, never a fetch.
func NewValidator(opts ...Option) (*Validator, error) {
	names, err := fs.Glob(schemas.Kafka, "kafka/*.json")
	if err != nil {
		return nil, fmt.Errorf("hypowire: list schemas: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.UseLoader(embedLoader{})
	v := &Validator{schemas: map[string]*jsonschema.Schema{}}
	for _, o := range opts {
		o(v)
	}
	for _, n := range names {
		if path.Base(n) == "asyncapi.json" {
			continue
		}
		name := strings.TrimSuffix(path.Base(n), ".json")
		s, err := c.Compile(SchemaBaseURL + name + ".json")
		if err != nil {
			return nil, fmt.Errorf("hypowire: compile schema %s: %w", name, err)
		}
		v.schemas[name] = s
	}
	return v, nil
}

// Names lists the compiled schemas.
func (v *Validator) Names() []string {
	out := make([]string, 0, len(v.schemas))
	for n := range v.schemas {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Validate checks payload against the schema of that name, strictly (no
// tolerant reading: see tolerant.go). A failure is a *ValidationError
// naming the failing JSON pointers, never their values.
func (v *Validator) Validate(schemaName string, payload []byte) error {
	_, err := v.validate(schemaName, payload, false)
	return err
}

// validate is Validate returning the parsed payload; tolerant, it reads
// the payload tolerantly first (tolerant.go) and returns what was
// validated: the payload without its nulls and dropped members.
func (v *Validator) validate(schemaName string, payload []byte, tolerant bool) (any, error) {
	s, ok := v.schemas[schemaName]
	if !ok {
		return nil, fmt.Errorf("hypowire: validate %q: %w", schemaName, ErrUnknownSchema)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(payload))
	if err != nil {
		// The decoder's message may quote the payload: say only that it is not JSON.
		return nil, &ValidationError{Schema: schemaName, Problems: []Problem{{Pointer: "", Reason: "not a single JSON value"}}}
	}
	if ptr, ok := caseTwins(doc, ""); ok {
		return nil, &ValidationError{Schema: schemaName, Problems: []Problem{{Pointer: ptr, Reason: "member names differ only in case"}}}
	}
	if tolerant {
		var report func(string)
		if v.ignored != nil {
			report = func(ptr string) { v.ignored(schemaName, ptr) }
		}
		tolerate(s, doc, "", report)
	}
	return doc, v.validateValue(schemaName, s, doc)
}

// caseTwins finds an object with two member names equal but for case.
// encoding/json matches member names to fields case-insensitively, last one
// winning, while the schema checks the exact name: with "serviceId" and
// "SERVICEID" the schema would check one value and the decoder keep the
// other. It returns the pointer of the second name.
func caseTwins(doc any, at string) (string, bool) {
	switch d := doc.(type) {
	case map[string]any:
		folded := make(map[string]bool, len(d))
		for k := range d {
			l := foldKey(k)
			if folded[l] {
				return at + "/" + escape(truncate(k)), true
			}
			folded[l] = true
		}
		for k, m := range d {
			if ptr, ok := caseTwins(m, at+"/"+escape(truncate(k))); ok {
				return ptr, true
			}
		}
	case []any:
		for i, m := range d {
			if ptr, ok := caseTwins(m, at+"/"+strconv.Itoa(i)); ok {
				return ptr, true
			}
		}
	}
	return "", false
}

// foldKey maps every rune to the smallest of its case-folding orbit, so
// names encoding/json would match ("serviceId", "SERVICEID", "ſerviceId")
// share a key.
func foldKey(s string) string {
	return strings.Map(func(r rune) rune {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		return low
	}, s)
}

func (v *Validator) validateValue(name string, s *jsonschema.Schema, doc any) error {
	err := s.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &ValidationError{Schema: name, Problems: []Problem{{Reason: "validation failed"}}}
	}
	return &ValidationError{Schema: name, Problems: problems(ve)}
}

// embedLoader serves the embedded schemas by $id.
type embedLoader struct{}

func (embedLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, SchemaBaseURL)
	if !ok || strings.Contains(name, "/") {
		return nil, fmt.Errorf("hypowire: schema %s is not embedded (no network loading)", url)
	}
	f, err := schemas.Kafka.Open("kafka/" + name)
	if err != nil {
		return nil, fmt.Errorf("hypowire: schema %s: %w", url, err)
	}
	defer f.Close()
	return jsonschema.UnmarshalJSON(f)
}
