package hypowire

import "encoding/json"

// Reply statuses of seed 000.
const (
	StatusSuccess = "SUCCESS"
	StatusError   = "ERROR"
)

// KafkaResponsePayload is the record value of response-package-registry-
// outgoing-channel. ID is the request's serviceId; Data is nil only when the
// request could not be decoded at all.
type KafkaResponsePayload struct {
	ID      string        `json:"id"`
	Status  string        `json:"status"`
	Message string        `json:"message"`
	Data    *ResponseData `json:"data,omitempty"`
}

// ResponseData echoes the request (type and its request part, verbatim) and
// carries what was found. Credentials are set on SUCCESS only.
type ResponseData struct {
	Type                    string           `json:"type"`
	ServiceOrderRequest     json.RawMessage  `json:"serviceOrderRequest,omitempty"`
	ServiceOperationRequest json.RawMessage  `json:"serviceOperationRequest,omitempty"`
	RepoCredentials         *RepoCredentials `json:"repoCredentials,omitempty"`
	KubeConfigAsBase64      string           `json:"kubeConfigAsBase64,omitempty"`
	ImagePullSecret         *ImagePullSecret `json:"imagePullSecret,omitempty"`
	SchedulerNamespace      string           `json:"schedulerNamespace,omitempty"`
}

// RepoCredentials are the package registry credentials of a parsing reply.
type RepoCredentials struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// String keeps the password out of logs and %v.
func (c RepoCredentials) String() string {
	return "{username:" + c.Username + " password:REDACTED}"
}

// ImagePullSecret is the image pull secret of a deployment reply.
type ImagePullSecret struct {
	SecretName string `json:"secretName"`
	Username   string `json:"username"`
	Password   string `json:"password"`
	URL        string `json:"url"`
}

// String keeps the password out of logs and %v.
func (s ImagePullSecret) String() string {
	return "{secretName:" + s.SecretName + " username:" + s.Username + " password:REDACTED url:" + s.URL + "}"
}

// Success builds the SUCCESS reply to r; data holds what was found (its Type
// and request part are overwritten by the echo of r).
func Success(r Request, found ResponseData) KafkaResponsePayload {
	d := r.Echo()
	d.RepoCredentials = found.RepoCredentials
	d.KubeConfigAsBase64 = found.KubeConfigAsBase64
	d.ImagePullSecret = found.ImagePullSecret
	d.SchedulerNamespace = found.SchedulerNamespace
	return KafkaResponsePayload{ID: r.ServiceID(), Status: StatusSuccess, Message: "", Data: &d}
}

// Failure builds the ERROR reply to r, echoing it without credentials.
// message must not contain secret values. r may be nil when the request
// could not be decoded; the reply then has no data and serviceID is
// whatever id could be salvaged (possibly empty).
func Failure(r Request, serviceID, message string) KafkaResponsePayload {
	if r == nil {
		return KafkaResponsePayload{ID: serviceID, Status: StatusError, Message: message}
	}
	d := r.Echo()
	return KafkaResponsePayload{ID: r.ServiceID(), Status: StatusError, Message: message, Data: &d}
}
