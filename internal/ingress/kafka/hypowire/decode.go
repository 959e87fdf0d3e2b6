package hypowire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// DecodeRequest validates a record value of get-package-registry-incoming-
// channel and returns its variant: *ParsingRequest for parsing,
// *KubeConfigRequest for deployment, activation and termination. The
// request part is kept verbatim for the reply's echo.
func (v *Validator) DecodeRequest(payload []byte) (Request, error) {
	if err := v.Validate(SchemaKafkaRequest, payload); err != nil {
		return nil, err
	}
	var p KafkaRequestPayload
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("hypowire: decode request: %w", ErrInvalid)
	}
	switch p.Type {
	case TypeParsing:
		r := &ParsingRequest{RawServiceOrderRequest: p.ServiceOrderRequest}
		if err := json.Unmarshal(p.ServiceOrderRequest, &r.ServiceOrderRequest); err != nil {
			return nil, fmt.Errorf("hypowire: decode serviceOrderRequest: %w", ErrInvalid)
		}
		r.URL = deref(p.URL)
		if r.URL == "" {
			r.URL = r.ServiceOrderRequest.ServiceOrder.ServiceRepositoryURL
		}
		r.SchedulerNamespace = deref(p.SchedulerNamespace)
		if err := v.revalidate(KafkaRequestPayload{Type: p.Type, URL: p.URL, SchedulerNamespace: p.SchedulerNamespace}, "serviceOrderRequest", r.ServiceOrderRequest); err != nil {
			return nil, err
		}
		return r, nil
	case TypeDeployment, TypeActivation, TypeTermination:
		r := &KubeConfigRequest{
			Type:                       p.Type,
			RawServiceOperationRequest: p.ServiceOperationRequest,
			KubernetesServiceID:        p.KubernetesServiceID,
			SecretName:                 deref(p.SecretName),
		}
		if err := json.Unmarshal(p.ServiceOperationRequest, &r.ServiceOperationRequest); err != nil {
			return nil, fmt.Errorf("hypowire: decode serviceOperationRequest: %w", ErrInvalid)
		}
		if err := v.revalidate(KafkaRequestPayload{Type: p.Type, KubernetesServiceID: p.KubernetesServiceID, SecretName: p.SecretName}, "serviceOperationRequest", r.ServiceOperationRequest); err != nil {
			return nil, err
		}
		return r, nil
	}
	// Unreachable while the schema's enum and this switch agree.
	return nil, fmt.Errorf("hypowire: request type: %w", ErrInvalid)
}

// revalidate checks the request part as decoded, not only as received: the
// Package Manager's objects allow unknown members, and encoding/json fills a
// field from a member whose name differs only in case ("SERVICEID"), which
// the schema let through unchecked.
func (v *Validator) revalidate(p KafkaRequestPayload, field string, decoded any) error {
	part, err := json.Marshal(decoded)
	if err != nil {
		return fmt.Errorf("hypowire: re-encode %s: %w", field, ErrInvalid)
	}
	if field == "serviceOrderRequest" {
		p.ServiceOrderRequest = part
	} else {
		p.ServiceOperationRequest = part
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("hypowire: re-encode request: %w", ErrInvalid)
	}
	if err := v.Validate(SchemaKafkaRequest, payload); err != nil {
		return fmt.Errorf("hypowire: %s as decoded (a member name in another case?): %w", field, err)
	}
	return nil
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

func (v *Validator) decode(schema string, payload []byte, into any) error {
	if err := v.Validate(schema, payload); err != nil {
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
