package hypowire

import "encoding/json"

// Request types: the values of the type discriminator of KafkaRequestPayload.
const (
	TypeParsing     = "parsing"
	TypeDeployment  = "deployment"
	TypeActivation  = "activation"
	TypeTermination = "termination"
)

// KafkaRequestPayload is the record value of get-package-registry-incoming-
// channel, as it is on the wire: the union of both variants. Decode it with
// DecodeRequest, which validates it and returns the variant of its Type.
type KafkaRequestPayload struct {
	Type                    string          `json:"type"`
	ServiceOrderRequest     json.RawMessage `json:"serviceOrderRequest,omitempty"`
	ServiceOperationRequest json.RawMessage `json:"serviceOperationRequest,omitempty"`
	URL                     *string         `json:"url,omitempty"`
	SchedulerNamespace      *string         `json:"schedulerNamespace,omitempty"`
	KubernetesServiceID     string          `json:"kubernetesServiceID,omitempty"`
	SecretName              *string         `json:"secretName,omitempty"`
}

// ServiceOrderRequest is the Package Manager's service order request. The
// Package Manager may send more fields than these; they are kept in the raw
// echo (ParsingRequest.RawServiceOrderRequest), not here.
type ServiceOrderRequest struct {
	KogitoProcInstanceID string       `json:"kogitoprocinstanceid"`
	ServiceOrder         ServiceOrder `json:"serviceOrder"`
}

// ServiceOrder is the order a parsing request is about.
type ServiceOrder struct {
	ServiceOrderID            string `json:"serviceOrderId"`
	ServiceID                 string `json:"serviceId"`
	ServiceRepositoryURL      string `json:"serviceRepositoryURL"`
	ServiceArtifactIdentifier string `json:"serviceArtifactIdentifier,omitempty"`
	ServiceArtifactVersion    string `json:"serviceArtifactVersion,omitempty"`
}

// ServiceOperationRequest is the Package Manager's service operation request
// (deployment, activation, termination). ActivateService is nil when absent.
type ServiceOperationRequest struct {
	KogitoProcInstanceID string `json:"kogitoprocinstanceid"`
	ServiceOrderID       string `json:"serviceOrderId"`
	ServiceID            string `json:"serviceId"`
	ActivateService      *bool  `json:"activateService,omitempty"`
}

// Request is a decoded credential request: *ParsingRequest or
// *KubeConfigRequest.
type Request interface {
	// RequestType is the type discriminator.
	RequestType() string
	// ServiceID is the id a reply carries.
	ServiceID() string
	// Echo is the reply's data with the type and the request part, verbatim.
	Echo() ResponseData
}

// ParsingRequest (the seed's RegistryURLRequest) asks for the credentials of
// the repository the chart comes from.
type ParsingRequest struct {
	ServiceOrderRequest ServiceOrderRequest
	// RawServiceOrderRequest is serviceOrderRequest exactly as received.
	RawServiceOrderRequest json.RawMessage
	// URL is the repository to look up: url, or serviceRepositoryURL when url
	// is absent or empty.
	URL                string
	SchedulerNamespace string
}

// RequestType implements Request.
func (*ParsingRequest) RequestType() string { return TypeParsing }

// ServiceID implements Request.
func (r *ParsingRequest) ServiceID() string { return r.ServiceOrderRequest.ServiceOrder.ServiceID }

// Echo implements Request.
func (r *ParsingRequest) Echo() ResponseData {
	return ResponseData{Type: TypeParsing, ServiceOrderRequest: r.RawServiceOrderRequest}
}

// KubeConfigRequest asks for the kubeconfig of a cluster and, when
// SecretName is set, an image pull secret.
type KubeConfigRequest struct {
	// Type is deployment, activation or termination.
	Type                    string
	ServiceOperationRequest ServiceOperationRequest
	// RawServiceOperationRequest is serviceOperationRequest exactly as received.
	RawServiceOperationRequest json.RawMessage
	KubernetesServiceID        string
	// SecretName is empty when no image pull secret is wanted.
	SecretName string
}

// RequestType implements Request.
func (r *KubeConfigRequest) RequestType() string { return r.Type }

// ServiceID implements Request.
func (r *KubeConfigRequest) ServiceID() string { return r.ServiceOperationRequest.ServiceID }

// Echo implements Request.
func (r *KubeConfigRequest) Echo() ResponseData {
	return ResponseData{Type: r.Type, ServiceOperationRequest: r.RawServiceOperationRequest}
}
