package hypowire_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// The JSON examples of seed 000, "Credential Request Flow", verbatim.
const (
	seedParsingRequest = `{
  "type": "parsing",
  "serviceOrderRequest": {
    "kogitoprocinstanceid": "7aa45064-f4a7-4a25-a7a2-667afb07c3d1",
    "serviceOrder": {
      "serviceOrderId": "2c4fecbc-c436-4f8c-a5db-4a1159ebad2a",
      "serviceId": "790daa4d-7f56-4575-8b64-c558cf518bed",
      "serviceRepositoryURL": "https://charts.example.com/myrepo",
      "serviceArtifactIdentifier": "my-chart",
      "serviceArtifactVersion": "1.2.0"
    }
  },
  "url": "https://charts.example.com/myrepo",
  "schedulerNamespace": ""
}`
	seedParsingResponse = `{
  "id": "790daa4d-7f56-4575-8b64-c558cf518bed",
  "status": "SUCCESS",
  "message": "",
  "data": {
    "type": "parsing",
    "serviceOrderRequest": { "..." : "..." },
    "repoCredentials": {
      "username": "my-user",
      "password": "my-password"
    }
  }
}`
	seedDeploymentRequest = `{
  "type": "deployment",
  "serviceOperationRequest": {
    "kogitoprocinstanceid": "7aa45064-f4a7-4a25-a7a2-667afb07c3d1",
    "serviceOrderId": "2c4fecbc-c436-4f8c-a5db-4a1159ebad2a",
    "serviceId": "790daa4d-7f56-4575-8b64-c558cf518bed",
    "activateService": true
  },
  "kubernetesServiceID": "c04f3d66-5350-49ea-8b31-ff325f149232",
  "secretName": "my-app-pull-secret"
}`
	seedDeploymentResponse = `{
  "id": "790daa4d-7f56-4575-8b64-c558cf518bed",
  "status": "SUCCESS",
  "message": "",
  "data": {
    "type": "deployment",
    "serviceOperationRequest": { "..." : "..." },
    "kubeConfigAsBase64": "<base64-encoded kubeconfig YAML>",
    "imagePullSecret": {
      "secretName": "my-app-pull-secret",
      "username": "my-user",
      "password": "my-password",
      "url": "https://registry.example.com"
    },
    "schedulerNamespace": "p2code-scheduler-system"
  }
}`
)

func newValidator(t *testing.T) *hypowire.Validator {
	t.Helper()
	v, err := hypowire.NewValidator()
	if err != nil {
		t.Fatalf("NewValidator: %v", err)
	}
	return v
}

func TestSeedExamplesValidate(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cases := []struct{ name, schema, payload string }{
		{"parsing request", hypowire.SchemaKafkaRequest, seedParsingRequest},
		{"parsing response", hypowire.SchemaKafkaResponse, seedParsingResponse},
		{"deployment request", hypowire.SchemaKafkaRequest, seedDeploymentRequest},
		{"deployment response", hypowire.SchemaKafkaResponse, seedDeploymentResponse},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := v.Validate(c.schema, []byte(c.payload)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDecodeSeedParsingRequest(t *testing.T) {
	t.Parallel()
	r, err := newValidator(t).DecodeRequest([]byte(seedParsingRequest))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := r.(*hypowire.ParsingRequest)
	if !ok {
		t.Fatalf("got %T, want *ParsingRequest", r)
	}
	want := hypowire.ServiceOrderRequest{
		KogitoProcInstanceID: "7aa45064-f4a7-4a25-a7a2-667afb07c3d1",
		ServiceOrder: hypowire.ServiceOrder{
			ServiceOrderID:            "2c4fecbc-c436-4f8c-a5db-4a1159ebad2a",
			ServiceID:                 "790daa4d-7f56-4575-8b64-c558cf518bed",
			ServiceRepositoryURL:      "https://charts.example.com/myrepo",
			ServiceArtifactIdentifier: "my-chart",
			ServiceArtifactVersion:    "1.2.0",
		},
	}
	if p.ServiceOrderRequest != want {
		t.Errorf("serviceOrderRequest = %+v, want %+v", p.ServiceOrderRequest, want)
	}
	if p.RequestType() != hypowire.TypeParsing || p.ServiceID() != want.ServiceOrder.ServiceID {
		t.Errorf("type %q id %q", p.RequestType(), p.ServiceID())
	}
	if p.URL != "https://charts.example.com/myrepo" || p.SchedulerNamespace != "" {
		t.Errorf("url %q schedulerNamespace %q", p.URL, p.SchedulerNamespace)
	}
}

func TestDecodeSeedDeploymentRequest(t *testing.T) {
	t.Parallel()
	r, err := newValidator(t).DecodeRequest([]byte(seedDeploymentRequest))
	if err != nil {
		t.Fatal(err)
	}
	k, ok := r.(*hypowire.KubeConfigRequest)
	if !ok {
		t.Fatalf("got %T, want *KubeConfigRequest", r)
	}
	op := k.ServiceOperationRequest
	if k.Type != hypowire.TypeDeployment || k.KubernetesServiceID != "c04f3d66-5350-49ea-8b31-ff325f149232" ||
		k.SecretName != "my-app-pull-secret" || op.ServiceID != "790daa4d-7f56-4575-8b64-c558cf518bed" ||
		op.ServiceOrderID != "2c4fecbc-c436-4f8c-a5db-4a1159ebad2a" ||
		op.KogitoProcInstanceID != "7aa45064-f4a7-4a25-a7a2-667afb07c3d1" ||
		op.ActivateService == nil || !*op.ActivateService {
		t.Errorf("decoded %+v", k)
	}
}

func TestLifecycleTypesDecodeAsKubeConfigRequest(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	for _, typ := range []string{hypowire.TypeActivation, hypowire.TypeTermination} {
		t.Run(typ, func(t *testing.T) {
			payload := withField(t, seedDeploymentRequest, "type", typ)
			r, err := v.DecodeRequest(payload)
			if err != nil {
				t.Fatal(err)
			}
			if k, ok := r.(*hypowire.KubeConfigRequest); !ok || k.RequestType() != typ {
				t.Errorf("got %T %q", r, r.RequestType())
			}
		})
	}
}

// The reply to the seed's request equals the seed's reply, the echoed
// request part (a placeholder in the seed) aside; the echo is the request's
// part byte for byte.
func TestResponsesMatchSeed(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cases := []struct {
		name, request, response, echoField string
		found                              hypowire.ResponseData
	}{
		{
			name: "parsing", request: seedParsingRequest, response: seedParsingResponse, echoField: "serviceOrderRequest",
			found: hypowire.ResponseData{RepoCredentials: &hypowire.RepoCredentials{Username: "my-user", Password: "my-password"}},
		},
		{
			name: "deployment", request: seedDeploymentRequest, response: seedDeploymentResponse, echoField: "serviceOperationRequest",
			found: hypowire.ResponseData{
				KubeConfigAsBase64: "<base64-encoded kubeconfig YAML>",
				ImagePullSecret: &hypowire.ImagePullSecret{
					SecretName: "my-app-pull-secret", Username: "my-user", Password: "my-password", URL: "https://registry.example.com",
				},
				SchedulerNamespace: "p2code-scheduler-system",
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			req, err := v.DecodeRequest([]byte(c.request))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.Marshal(hypowire.Success(req, c.found))
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(hypowire.SchemaKafkaResponse, got); err != nil {
				t.Fatalf("reply fails its schema: %v", err)
			}
			var gotMap, wantMap, reqMap map[string]any
			mustUnmarshal(t, got, &gotMap)
			mustUnmarshal(t, []byte(c.response), &wantMap)
			mustUnmarshal(t, []byte(c.request), &reqMap)
			wantMap["data"].(map[string]any)[c.echoField] = reqMap[c.echoField]
			if !reflect.DeepEqual(gotMap, wantMap) {
				t.Errorf("reply\n got %s\nwant %v", got, wantMap)
			}
			var raw struct {
				Data map[string]json.RawMessage `json:"data"`
			}
			mustUnmarshal(t, got, &raw)
			var reqRaw map[string]json.RawMessage
			mustUnmarshal(t, []byte(c.request), &reqRaw)
			if string(raw.Data[c.echoField]) != string(compact(t, reqRaw[c.echoField])) {
				t.Errorf("echo not verbatim:\n got %s\nwant %s", raw.Data[c.echoField], reqRaw[c.echoField])
			}
		})
	}
}

func TestFailureEchoesWithoutCredentials(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	req, err := v.DecodeRequest([]byte(seedParsingRequest))
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(hypowire.Failure(req, "", "no credentials for repository"))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(hypowire.SchemaKafkaResponse, got); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	mustUnmarshal(t, got, &m)
	data := m["data"].(map[string]any)
	if m["status"] != "ERROR" || m["id"] != "790daa4d-7f56-4575-8b64-c558cf518bed" || data["repoCredentials"] != nil {
		t.Errorf("failure reply %s", got)
	}
	undecodable, err := json.Marshal(hypowire.Failure(nil, "", "payload is not JSON"))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(hypowire.SchemaKafkaResponse, undecodable); err != nil {
		t.Errorf("reply without data: %v", err)
	}
}
