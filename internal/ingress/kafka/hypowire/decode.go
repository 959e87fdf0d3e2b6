package hypowire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// DecodeRequest validates a record value of get-package-registry-incoming-
// channel and returns its variant: *ParsingRequest for parsing,
// *KubeConfigRequest for deployment, activation and termination. It reads
// tolerantly (tolerant.go): nulls are absent and members the request's
// variant does not know are ignored ("kubernetesServiceID": null in a
// parsing request). The request part is kept verbatim for the reply's
// echo. The payload is checked against its schema once.
func (v *Validator) DecodeRequest(payload []byte) (Request, error) {
	doc, err := v.validate(SchemaKafkaRequest, payload, true)
	if err != nil {
		return nil, err
	}
	if ptr, ok := strayCase(doc); ok {
		return nil, &ValidationError{Schema: SchemaKafkaRequest, Problems: []Problem{{Pointer: ptr, Reason: "member name differs from a field's only in case"}}}
	}
	// Each variant is decoded into a struct of its own fields only: a
	// member the schema of the variant does not know (dropped above,
	// unchecked) is never read, whatever its type, and a member spelling
	// one of its fields in another case was refused above.
	obj, _ := doc.(map[string]any)
	typ, _ := obj["type"].(string)
	switch typ {
	case TypeParsing:
		var p struct {
			ServiceOrderRequest json.RawMessage `json:"serviceOrderRequest"`
			URL                 *string         `json:"url"`
			SchedulerNamespace  *string         `json:"schedulerNamespace"`
		}
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, fmt.Errorf("hypowire: decode request: %w", ErrInvalid)
		}
		r := &ParsingRequest{RawServiceOrderRequest: p.ServiceOrderRequest}
		if err := json.Unmarshal(p.ServiceOrderRequest, &r.ServiceOrderRequest); err != nil {
			return nil, fmt.Errorf("hypowire: decode serviceOrderRequest: %w", ErrInvalid)
		}
		r.URL = deref(p.URL)
		if r.URL == "" {
			r.URL = r.ServiceOrderRequest.ServiceOrder.ServiceRepositoryURL
		}
		r.SchedulerNamespace = deref(p.SchedulerNamespace)
		return r, nil
	case TypeDeployment, TypeActivation, TypeTermination:
		var p struct {
			ServiceOperationRequest json.RawMessage `json:"serviceOperationRequest"`
			KubernetesServiceID     string          `json:"kubernetesServiceID"`
			SecretName              *string         `json:"secretName"`
		}
		if err := json.Unmarshal(payload, &p); err != nil {
			return nil, fmt.Errorf("hypowire: decode request: %w", ErrInvalid)
		}
		r := &KubeConfigRequest{
			Type:                       typ,
			RawServiceOperationRequest: p.ServiceOperationRequest,
			KubernetesServiceID:        p.KubernetesServiceID,
			SecretName:                 deref(p.SecretName),
		}
		if err := json.Unmarshal(p.ServiceOperationRequest, &r.ServiceOperationRequest); err != nil {
			return nil, fmt.Errorf("hypowire: decode serviceOperationRequest: %w", ErrInvalid)
		}
		return r, nil
	}
	// Unreachable while the schema's enum and this switch agree.
	return nil, fmt.Errorf("hypowire: request type: %w", ErrInvalid)
}

// requestFields are the member names DecodeRequest reads from each object
// of a request, by JSON pointer of the object.
var requestFields = map[string][]string{
	"":                                  jsonNames[KafkaRequestPayload](),
	"/serviceOrderRequest":              jsonNames[ServiceOrderRequest](),
	"/serviceOrderRequest/serviceOrder": jsonNames[ServiceOrder](),
	"/serviceOperationRequest":          jsonNames[ServiceOperationRequest](),
}

// strayCase finds, in a validated request, a member whose name equals a
// decoded field's but for case ("SERVICEID" beside or instead of
// "serviceId"). The Package Manager's objects allow unknown members, so
// the schema let it through unchecked, while encoding/json would fill the
// field from it. Refusing it means every value decoded is one the schema
// checked under its own name: no second validation of the decoded value is
// needed. It returns the member's pointer.
func strayCase(doc any) (string, bool) {
	for at, fields := range requestFields {
		obj, ok := lookup(doc, at).(map[string]any)
		if !ok {
			continue
		}
		for k := range obj {
			for _, f := range fields {
				if k != f && foldKey(k) == foldKey(f) {
					return at + "/" + escape(truncate(k)), true
				}
			}
		}
	}
	return "", false
}

// lookup follows a JSON pointer of plain member names (no escapes) in doc.
func lookup(doc any, ptr string) any {
	for _, name := range strings.Split(ptr, "/")[1:] {
		obj, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = obj[name]
	}
	return doc
}

// jsonNames lists the JSON member names of T's fields.
func jsonNames[T any]() []string {
	t := reflect.TypeFor[T]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// DecodeServiceID reads a record value of registry-retrieve-kubernetes-
// config: the serviceId as plain text, or as a JSON string.
func (v *Validator) DecodeServiceID(payload []byte) (string, error) {
	id := string(bytes.TrimSpace(payload))
	if len(id) > 0 && id[0] == '"' {
		if err := json.Unmarshal([]byte(id), &id); err != nil {
			return "", &ValidationError{Schema: SchemaKubeconfigRetrieveRequest, Problems: []Problem{{Reason: "not a JSON string"}}}
		}
	}
	if !utf8.ValidString(id) {
		return "", &ValidationError{Schema: SchemaKubeconfigRetrieveRequest, Problems: []Problem{{Reason: "not UTF-8"}}}
	}
	s := v.schemas[SchemaKubeconfigRetrieveRequest]
	if s == nil {
		return "", fmt.Errorf("hypowire: validate %q: %w", SchemaKubeconfigRetrieveRequest, ErrUnknownSchema)
	}
	if err := v.validateValue(SchemaKubeconfigRetrieveRequest, s, id); err != nil {
		return "", err
	}
	return id, nil
}

// DecodeGroupPolicy validates and decodes a GroupPolicyMessage. An empty
// record value is the empty message: the group comes from the JWT.
func (v *Validator) DecodeGroupPolicy(payload []byte) (GroupPolicyMessage, error) {
	var m GroupPolicyMessage
	if len(bytes.TrimSpace(payload)) == 0 {
		return m, nil
	}
	return m, v.decode(SchemaGroupPolicyMessage, payload, &m)
}

// DecodeFabricPersist validates and decodes FabricAuthCreds to store.
func (v *Validator) DecodeFabricPersist(payload []byte) (FabricAuthCreds, error) {
	var c FabricAuthCreds
	return c, v.decode(SchemaFabricCredsPersist, payload, &c)
}

// DecodeFabricDelete validates and decodes FabricAuthCreds to delete; only
// ControllerID is kept.
func (v *Validator) DecodeFabricDelete(payload []byte) (FabricAuthCreds, error) {
	var c FabricAuthCreds
	if err := v.decode(SchemaFabricCredsDelete, payload, &c); err != nil {
		return FabricAuthCreds{}, err
	}
	return FabricAuthCreds{ControllerID: c.ControllerID}, nil
}

// DecodeKubeconfigStoreData validates and decodes the data of a kubeconfig
// store CloudEvent (binary mode: the record value).
func (v *Validator) DecodeKubeconfigStoreData(payload []byte) (KubeconfigStoreData, error) {
	var d KubeconfigStoreData
	return d, v.decode(SchemaKubeconfigStoreData, payload, &d)
}

// DecodeKubeconfigStoreEvent validates a kubeconfig store CloudEvent in
// structured mode and decodes its data. The event's schema checks the data
// too (kubeconfig-store-data.json, strict): one validation covers both.
func (v *Validator) DecodeKubeconfigStoreEvent(payload []byte) (KubeconfigStoreData, error) {
	var e struct {
		Data KubeconfigStoreData `json:"data"`
	}
	return e.Data, v.decode(SchemaKubeconfigStoreEvent, payload, &e)
}

// decode reads payload tolerantly (tolerant.go) into into, whose fields
// must all be members the schema names: a member dropped as unknown is then
// never read.
func (v *Validator) decode(schema string, payload []byte, into any) error {
	if _, err := v.validate(schema, payload, true); err != nil {
		return err
	}
	if err := json.Unmarshal(payload, into); err != nil {
		return fmt.Errorf("hypowire: decode %s: %w", schema, ErrInvalid)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
