package hypowire_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

func TestBadRequests(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	orderless := strings.Replace(seedParsingRequest, `"serviceId": "790daa4d-7f56-4575-8b64-c558cf518bed",`, "", 1)
	cases := []struct {
		name    string
		payload []byte
		// wantPointer must appear in the error; secret must not.
		wantPointer, secret string
	}{
		{"not JSON", []byte(`{"type": "parsing", sekrit`), "(root)", "sekrit"},
		{"trailing data", []byte(seedParsingRequest + ` {"x":"sekrit"}`), "(root)", "sekrit"},
		{"not an object", []byte(`"sekrit"`), "(root): got string, want object", "sekrit"},
		{"unknown type", withField(t, seedParsingRequest, "type", "sekrit"), "/type: value not allowed", "sekrit"},
		{"missing type", withField(t, seedParsingRequest, "type", nil), "/type: required field missing", ""},
		{"missing serviceOrderRequest", withField(t, seedParsingRequest, "serviceOrderRequest", nil), "/serviceOrderRequest: required field missing", ""},
		{"missing nested serviceId", []byte(orderless), "/serviceOrderRequest/serviceOrder/serviceId: required field missing", ""},
		{"missing kubernetesServiceID", withField(t, seedDeploymentRequest, "kubernetesServiceID", nil), "/kubernetesServiceID: required field missing", ""},
		{"wrong type url", withField(t, seedParsingRequest, "url", 42), "/url: got number, want null or string", "42"},
		{"wrong type activateService", []byte(strings.Replace(seedDeploymentRequest, `"activateService": true`, `"activateService": "sekrit"`, 1)), "/serviceOperationRequest/activateService: got string, want null or boolean", "sekrit"},
		{"required field null", []byte(strings.Replace(seedDeploymentRequest, `"c04f3d66-5350-49ea-8b31-ff325f149232"`, `null`, 1)), "/kubernetesServiceID: required field missing", ""},
		{"required nested field null", []byte(strings.Replace(seedParsingRequest, `"2c4fecbc-c436-4f8c-a5db-4a1159ebad2a"`, `null`, 1)), "/serviceOrderRequest/serviceOrder/serviceOrderId: required field missing", ""},
		{"top-level field in another case", []byte(strings.Replace(seedDeploymentRequest, `"secretName"`, `"SecretName"`, 1)), "/SecretName: field not allowed", "my-app-pull-secret"},
		{"wrong type kubernetesServiceID", withField(t, seedDeploymentRequest, "kubernetesServiceID", 42), "/kubernetesServiceID: got number, want string", "42"},
		{"optional field in another case", []byte(strings.Replace(seedParsingRequest, `"serviceArtifactVersion": "1.2.0"`, `"SERVICEARTIFACTVERSION": "sekrit"`, 1)), "/serviceOrderRequest/serviceOrder/SERVICEARTIFACTVERSION: member name differs from a field's only in case", "sekrit"},
		{"serviceId in another case", []byte(strings.Replace(seedDeploymentRequest, `"activateService": true`, `"activateService": true, "ſerviceId": "sekrit"`, 1)), "/serviceOperationRequest/", "sekrit"},
		{"unsafe kubernetesServiceID", withField(t, seedDeploymentRequest, "kubernetesServiceID", "../sekrit"), "/kubernetesServiceID: does not match pattern", "sekrit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := v.DecodeRequest(c.payload)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, hypowire.ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			var ve *hypowire.ValidationError
			if !errors.As(err, &ve) {
				t.Errorf("error %T is not a *ValidationError", err)
			}
			if !strings.Contains(err.Error(), c.wantPointer) {
				t.Errorf("error %q does not name %q", err, c.wantPointer)
			}
			if c.secret != "" && strings.Contains(err.Error(), c.secret) {
				t.Errorf("error %q echoes the value %q", err, c.secret)
			}
		})
	}
}

func TestLenientWherePackageManagerOwnsTheObject(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	extra := strings.Replace(seedParsingRequest, `"serviceArtifactVersion": "1.2.0"`, `"serviceArtifactVersion": "1.2.0", "serviceParameters": {"a": 1}`, 1)
	nulls := strings.Replace(seedDeploymentRequest, `"secretName": "my-app-pull-secret"`, `"secretName": null`, 1)
	for name, p := range map[string]string{"extra serviceOrder field": extra, "null secretName": nulls} {
		if _, err := v.DecodeRequest([]byte(p)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	r, err := v.DecodeRequest(withField(t, seedParsingRequest, "url", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.(*hypowire.ParsingRequest).URL; got != "https://charts.example.com/myrepo" {
		t.Errorf("url fallback = %q", got)
	}
}

func TestUnknownSchema(t *testing.T) {
	t.Parallel()
	if err := newValidator(t).Validate("nope", []byte(`{}`)); !errors.Is(err, hypowire.ErrUnknownSchema) {
		t.Errorf("got %v", err)
	}
}
