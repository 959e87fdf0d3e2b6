package hypowire_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

// ignoredLog collects what a Validator's WithIgnored hook reports.
type ignoredLog struct {
	mu  sync.Mutex
	got []string // "schema pointer"
}

func (l *ignoredLog) add(schema, pointer string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, schema+" "+pointer)
}

func (l *ignoredLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = nil
	slices.Sort(got)
	return got
}

func tolerantValidator(t *testing.T) (*hypowire.Validator, *ignoredLog) {
	t.Helper()
	l := &ignoredLog{}
	v, err := hypowire.NewValidator(hypowire.WithIgnored(l.add))
	if err != nil {
		t.Fatal(err)
	}
	return v, l
}

// The example: the Quarkus client writes the other variant's
// fields as null. Nulls are absent, and not counted as unknown fields.
func TestTolerantNullsAreAbsent(t *testing.T) {
	t.Parallel()
	v, l := tolerantValidator(t)
	parsing := strings.Replace(seedParsingRequest, `"schedulerNamespace": ""`,
		`"schedulerNamespace": null, "kubernetesServiceID":null, "secretName":null, "serviceOperationRequest": null`, 1)
	parsing = strings.Replace(parsing, `"serviceArtifactVersion": "1.2.0"`, `"serviceArtifactVersion": null`, 1)
	r, err := v.DecodeRequest([]byte(parsing))
	if err != nil {
		t.Fatalf("parsing request with nulls: %v", err)
	}
	p := r.(*hypowire.ParsingRequest)
	if p.URL != "https://charts.example.com/myrepo" || p.SchedulerNamespace != "" || p.ServiceID() != "790daa4d-7f56-4575-8b64-c558cf518bed" || p.ServiceOrderRequest.ServiceOrder.ServiceArtifactVersion != "" {
		t.Errorf("decoded %+v", p)
	}
	// The echo stays verbatim, nulls included.
	if !strings.Contains(string(p.RawServiceOrderRequest), `"serviceArtifactVersion": null`) {
		t.Errorf("echo %s is not the request part as received", p.RawServiceOrderRequest)
	}

	deployment := strings.Replace(seedDeploymentRequest, `"secretName": "my-app-pull-secret"`,
		`"secretName": null, "url": null, "schedulerNamespace": null, "serviceOrderRequest": null`, 1)
	deployment = strings.Replace(deployment, `"activateService": true`, `"activateService": null`, 1)
	r, err = v.DecodeRequest([]byte(deployment))
	if err != nil {
		t.Fatalf("deployment request with nulls: %v", err)
	}
	if k := r.(*hypowire.KubeConfigRequest); k.SecretName != "" || k.ServiceOperationRequest.ActivateService != nil || k.KubernetesServiceID != "c04f3d66-5350-49ea-8b31-ff325f149232" {
		t.Errorf("decoded %+v", k)
	}
	if got := l.take(); len(got) != 0 {
		t.Errorf("nulls reported as unknown fields: %v", got)
	}
}

// Unknown fields are ignored whatever their value, and reported by
// pointer, at every level the schema describes; the strict Validate
// still refuses them.
func TestTolerantUnknownFieldsIgnored(t *testing.T) {
	t.Parallel()
	v, l := tolerantValidator(t)
	// Fields of the other variant, of any type, and a field nobody knows.
	parsing := strings.Replace(seedParsingRequest, `"schedulerNamespace": ""`,
		`"schedulerNamespace": "", "kubernetesServiceID": 42, "secretName": {"x": "sekrit"}, "priority": "sekrit"`, 1)
	r, err := v.DecodeRequest([]byte(parsing))
	if err != nil {
		t.Fatalf("parsing request with unknown fields: %v", err)
	}
	if r.RequestType() != hypowire.TypeParsing || r.ServiceID() != "790daa4d-7f56-4575-8b64-c558cf518bed" {
		t.Errorf("decoded %+v", r)
	}
	want := []string{"kafka-request /kubernetesServiceID", "kafka-request /priority", "kafka-request /secretName"}
	if got := l.take(); !slices.Equal(got, want) {
		t.Errorf("reported %v, want %v", got, want)
	}
	if err := v.Validate(hypowire.SchemaKafkaRequest, []byte(parsing)); err == nil || !strings.Contains(err.Error(), "/priority: field not allowed") {
		t.Errorf("strict Validate: %v", err)
	}

	deployment := withField(t, seedDeploymentRequest, "url", "https://sekrit")
	if r, err := v.DecodeRequest(deployment); err != nil || r.(*hypowire.KubeConfigRequest).SecretName != "my-app-pull-secret" {
		t.Errorf("deployment request with a parsing field: %v", err)
	}
	if got := l.take(); !slices.Equal(got, []string{"kafka-request /url"}) {
		t.Errorf("reported %v", got)
	}

	// A nested strict object: the data of a structured kubeconfig store
	// event. The lenient event itself keeps its extension attributes.
	event := `{"specversion":"1.0","id":"e1","source":"sonata","type":"` + hypowire.EventKubeconfigStore +
		`","subject":null,"clusterversion":"1.31","data":{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n","scope":null,"cluster":{"name":"sekrit"}}}`
	d, err := v.DecodeKubeconfigStoreEvent([]byte(event))
	if err != nil || d.ServiceID != "svc-1" || d.EffectiveScope() != hypowire.ScopeCluster {
		t.Errorf("store event with an unknown data field: %+v %v", d, err)
	}
	if got := l.take(); !slices.Equal(got, []string{"kubeconfig-store-event /data/cluster"}) {
		t.Errorf("reported %v", got)
	}

	// A member name from the payload is reported escaped and bounded.
	long := strings.Repeat("n", 100)
	if _, err := v.DecodeFabricDelete([]byte(`{"controllerId":"c","a/b\u0007":1,"` + long + `":2}`)); err != nil {
		t.Fatal(err)
	}
	got := l.take()
	if len(got) != 2 || got[0] != "fabric-creds-delete /a~1b?" || got[1] != "fabric-creds-delete /"+long[:64]+"..." {
		t.Errorf("reported %q", got)
	}

	// A Validator without the hook reads as tolerantly.
	if _, err := newValidator(t).DecodeRequest([]byte(parsing)); err != nil {
		t.Errorf("without WithIgnored: %v", err)
	}
}

// What the schemas know stays strict under the tolerant reading.
func TestTolerantStillStrict(t *testing.T) {
	t.Parallel()
	v, l := tolerantValidator(t)
	cases := []struct {
		name    string
		decode  func([]byte) error
		payload string
		want    string
	}{
		{"required field null", decodeRequest(v), strings.Replace(seedDeploymentRequest, `"c04f3d66-5350-49ea-8b31-ff325f149232"`, `null`, 1), "/kubernetesServiceID: required field missing"},
		{"type null", decodeRequest(v), strings.Replace(seedParsingRequest, `"parsing"`, `null`, 1), "/type: required field missing"},
		{"wrong type", decodeRequest(v), strings.Replace(seedParsingRequest, `"https://charts.example.com/myrepo",
  "schedulerNamespace"`, `42,
  "schedulerNamespace"`, 1), "/url: got number, want null or string"},
		{"wrong nested type", decodeRequest(v), strings.Replace(seedDeploymentRequest, `"activateService": true`, `"activateService": "yes"`, 1), "/serviceOperationRequest/activateService: got string, want null or boolean"},
		{"known field in another case", decodeRequest(v), strings.Replace(seedDeploymentRequest, `"secretName"`, `"SECRETNAME"`, 1), "/SECRETNAME: field not allowed"},
		{"known nested field in another case", decodeRequest(v), strings.Replace(seedDeploymentRequest, `"activateService"`, `"ACTIVATESERVICE"`, 1), "/serviceOperationRequest/ACTIVATESERVICE: member name differs from a field's only in case"},
		{"store data field in another case", func(b []byte) error { _, err := v.DecodeKubeconfigStoreData(b); return err },
			`{"serviceId":"svc-1","kubeConfig":"x","SCOPE":"NAMESPACE_SA"}`, "/SCOPE: field not allowed"},
		{"fabric required null", func(b []byte) error { _, err := v.DecodeFabricPersist(b); return err },
			`{"controllerId":"c","username":"u","password":null}`, "/password: required field missing"},
	}
	for _, c := range cases {
		err := c.decode([]byte(c.payload))
		if !errors.Is(err, hypowire.ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want a refusal naming %q", c.name, err, c.want)
		}
	}
	if got := l.take(); len(got) != 0 {
		t.Errorf("reported %v", got)
	}
}

func decodeRequest(v *hypowire.Validator) func([]byte) error {
	return func(b []byte) error { _, err := v.DecodeRequest(b); return err }
}

// An ERROR reply to an unknown type echoes the type and the request part;
// the reply schema allows it on ERROR only.
func TestUnknownTypeEcho(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	payload := strings.Replace(seedDeploymentRequest, `"deployment"`, `"upgrade"`, 1)
	_, err := v.DecodeRequest([]byte(payload))
	if err == nil || !strings.Contains(err.Error(), "/type: value not allowed") {
		t.Fatalf("unknown type: %v", err)
	}
	id, echo := hypowire.SalvageRequest([]byte(payload))
	if echo == nil || echo.Type != "upgrade" || echo.ServiceOrderRequest != nil {
		t.Fatalf("echo %+v", echo)
	}
	var sent struct {
		ServiceOperationRequest json.RawMessage `json:"serviceOperationRequest"`
	}
	mustUnmarshal(t, []byte(payload), &sent)
	if string(echo.ServiceOperationRequest) != string(sent.ServiceOperationRequest) {
		t.Errorf("echoed %s, want %s", echo.ServiceOperationRequest, sent.ServiceOperationRequest)
	}
	reply, err := json.Marshal(hypowire.KafkaResponsePayload{ID: id, Status: hypowire.StatusError, Message: err.Error(), Data: echo})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Validate(hypowire.SchemaKafkaResponse, reply); err != nil {
		t.Errorf("ERROR reply echoing an unknown type: %v\n%s", err, reply)
	}
	success := strings.Replace(string(compact(t, []byte(seedDeploymentResponse))), `"type":"deployment"`, `"type":"upgrade"`, 1)
	if err := v.Validate(hypowire.SchemaKafkaResponse, []byte(success)); err == nil || !strings.Contains(err.Error(), "/data/type") {
		t.Errorf("SUCCESS reply of an unknown type: %v", err)
	}
}
