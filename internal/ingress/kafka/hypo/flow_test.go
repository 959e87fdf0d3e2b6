package hypo_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.StopSharedVault()
	os.Exit(code)
}

// The seed's example payloads, verbatim (seed 000, "Credential Request
// Flow").
const (
	seedParsing = `{
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
	seedDeployment = `{
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
	seedServiceID  = "790daa4d-7f56-4575-8b64-c558cf518bed"
	seedClusterID  = "c04f3d66-5350-49ea-8b31-ff325f149232"
	seedRepoURL    = "https://charts.example.com/myrepo"
	seedRepoBody   = `{"username": "my-user", "password": "my-password", "url": "https://charts.example.com/myrepo"}`
	seedPullBody   = `{"username": "my-user", "password": "my-password", "url": "https://registry.example.com"}`
	kubeconfigYAML = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://k8s.example.com:6443
contexts:
- name: admin@edge
  context:
    cluster: edge
    user: admin
current-context: admin@edge
users:
- name: admin
  user:
    token: kc-secret-token-5b7e
`
	kubeconfigSecret = "kc-secret-token-5b7e"
)

var topics = hypowire.DefaultTopics()

// replyTopics are every topic the registry answers on, and the poison
// topic.
var replyTopics = []string{topics.CredentialResponse, topics.KubeconfigResponse, topics.KubeconfigStoreResult, "registry.poison"}

// hypo is one registry on Kafka with a Package-Manager-like client, a
// tenant and its token.
type hypo struct {
	reg    *testkit.Registry
	pm     *testkit.PackageManager
	tenant string
	token  string
	wire   *hypowire.Validator
}

func startHypo(t *testing.T, b testkit.Backend, configure ...func(*app.Config)) *hypo {
	t.Helper()
	reg := testkit.StartRegistryOn(t, b, configure...)
	wire, err := hypowire.NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	h := &hypo{reg: reg, pm: testkit.NewPackageManager(t, reg.Kafka.Brokers, replyTopics...), wire: wire}
	h.tenant = reg.Tenant(t)
	h.token = reg.Token(t, "package-manager", h.tenant, "developer")
	return h
}

// backends are the deployments with a Kafka southbound: secrets embedded,
// and in a real Vault.
func backends() []testkit.Backend {
	return []testkit.Backend{testkit.EmbeddedKafka, testkit.VaultKafka}
}

func (h *hypo) rest(t *testing.T, method, path, body string) testkit.Response {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	return testkit.Do(t, method, h.reg.URL+path, h.token, b)
}

// send produces value on topic with the Authorization header.
func (h *hypo) send(t *testing.T, topic, value string, headers ...string) *kgo.Record {
	t.Helper()
	return h.pm.Send(t, topic, "", []byte(value), append([]string{"Authorization", "Bearer " + h.token}, headers...)...)
}

// credentialReply awaits the nth reply for id on the credential response
// topic and checks it against the reply schema.
func (h *hypo) credentialReply(t *testing.T, id string, nth int) hypowire.KafkaResponsePayload {
	t.Helper()
	recs := h.pm.Await(t, topics.CredentialResponse, nth, 20*time.Second, func(r *kgo.Record) bool {
		var p struct{ ID string }
		return json.Unmarshal(r.Value, &p) == nil && p.ID == id
	})
	rec := recs[nth-1]
	if err := h.wire.Validate(hypowire.SchemaKafkaResponse, rec.Value); err != nil {
		t.Errorf("reply does not satisfy its schema: %v\n%s", err, rec.Value)
	}
	if string(rec.Key) != id {
		t.Errorf("reply key %q, want the service id %q", rec.Key, id)
	}
	var p hypowire.KafkaResponsePayload
	if err := json.Unmarshal(rec.Value, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// kubeconfigReply awaits the nth VaultSecretResponseMessage for id.
func (h *hypo) kubeconfigReply(t *testing.T, id string, nth int) hypowire.VaultSecretResponseMessage {
	t.Helper()
	recs := h.pm.Await(t, topics.KubeconfigResponse, nth, 20*time.Second, func(r *kgo.Record) bool {
		var p struct{ ServiceID string }
		return json.Unmarshal(r.Value, &p) == nil && p.ServiceID == id
	})
	rec := recs[nth-1]
	if err := h.wire.Validate(hypowire.SchemaVaultSecretResponse, rec.Value); err != nil {
		t.Errorf("reply does not satisfy its schema: %v\n%s", err, rec.Value)
	}
	var p hypowire.VaultSecretResponseMessage
	if err := json.Unmarshal(rec.Value, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// storeResult awaits the result CloudEvent answering the store event id
// and returns its data and whether it came in structured mode.
func (h *hypo) storeResult(t *testing.T, eventID string) (hypowire.KubeconfigStoreResult, bool) {
	t.Helper()
	recs := h.pm.Await(t, topics.KubeconfigStoreResult, 1, 20*time.Second, func(r *kgo.Record) bool {
		if testkit.Header(r, "ce_causationid") == eventID {
			return true
		}
		var e struct{ Causationid string }
		return json.Unmarshal(r.Value, &e) == nil && e.Causationid == eventID
	})
	rec := recs[0]
	var res hypowire.KubeconfigStoreResult
	structured := testkit.Header(rec, "content-type") == "application/cloudevents+json"
	data := rec.Value
	if structured {
		var e struct {
			SpecVersion string          `json:"specversion"`
			Type        string          `json:"type"`
			Data        json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(rec.Value, &e); err != nil || e.SpecVersion != "1.0" || e.Type != hypowire.EventKubeconfigStoreResult {
			t.Fatalf("structured result: %v %s", err, rec.Value)
		}
		data = e.Data
	} else if testkit.Header(rec, "ce_specversion") != "1.0" || testkit.Header(rec, "ce_type") != hypowire.EventKubeconfigStoreResult {
		t.Fatalf("binary result headers: %v", rec.Headers)
	}
	if err := h.wire.Validate(hypowire.SchemaKubeconfigStoreResultData, data); err != nil {
		t.Errorf("result data does not satisfy its schema: %v\n%s", err, data)
	}
	if bytes.Contains(rec.Value, []byte(kubeconfigSecret)) {
		t.Errorf("the store result carries the kubeconfig: %s", rec.Value)
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	return res, structured
}

// storeBinary sends a binary-mode store CloudEvent with JSON data.
func (h *hypo) storeBinary(t *testing.T, eventID, serviceID, scope, yaml string) *kgo.Record {
	t.Helper()
	data := map[string]string{"serviceId": serviceID, "kubeConfig": yaml}
	if scope != "" {
		data["scope"] = scope
	}
	body, _ := json.Marshal(data)
	return h.send(t, topics.KubeconfigStore, string(body),
		"ce_specversion", "1.0", "ce_id", eventID, "ce_source", "/sonata/cluster-registry",
		"ce_type", hypowire.EventKubeconfigStore, "content-type", "application/json")
}

func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("%s = %s, want %s", what, gb, wb)
	}
}

func requestPart(t *testing.T, payload, part string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(payload), &m); err != nil {
		t.Fatal(err)
	}
	return m[part]
}

// The seed's payloads, sent verbatim by a Package-Manager-like client,
// answered field by field on both deployments.
func TestSeedCredentialFlows(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testSeedCredentialFlows(t, startHypo(t, b))
		})
	}
}

func testSeedCredentialFlows(t *testing.T, h *hypo) {
	if r := h.rest(t, http.MethodPost, "/registry-api/package-registry/secret/"+strings.ReplaceAll(seedRepoURL, "/", "%2F"), seedRepoBody); r.Status != http.StatusCreated {
		t.Fatalf("create package-registry secret: %d %s", r.Status, r.Body)
	}
	if r := h.rest(t, http.MethodPost, "/registry-api/image-pull/secret/my-app-pull-secret", seedPullBody); r.Status != http.StatusCreated {
		t.Fatalf("create image-pull secret: %d %s", r.Status, r.Body)
	}

	// SONATA stores the cluster's kubeconfig (binary mode).
	h.storeBinary(t, "store-1", seedClusterID, "", kubeconfigYAML)
	res, structured := h.storeResult(t, "store-1")
	if structured || res != (hypowire.KubeconfigStoreResult{ServiceID: seedClusterID, Scope: "CLUSTER", Status: "SUCCESS"}) {
		t.Fatalf("store result %+v (structured %v)", res, structured)
	}

	// parsing → repoCredentials.
	h.send(t, topics.CredentialRequest, seedParsing)
	p := h.credentialReply(t, seedServiceID, 1)
	if p.Status != "SUCCESS" || p.Message != "" || p.Data == nil || p.Data.Type != "parsing" {
		t.Fatalf("parsing reply %+v", p)
	}
	sameJSON(t, "echoed serviceOrderRequest", p.Data.ServiceOrderRequest, requestPart(t, seedParsing, "serviceOrderRequest"))
	if c := p.Data.RepoCredentials; c == nil || c.Username != "my-user" || c.Password != "my-password" {
		t.Errorf("repoCredentials %v", c)
	}
	if p.Data.ServiceOperationRequest != nil || p.Data.KubeConfigAsBase64 != "" || p.Data.ImagePullSecret != nil {
		t.Errorf("parsing reply carries deployment fields: %+v", p.Data)
	}

	// deployment → kubeconfig and image-pull secret; no scheduler
	// namespace stored yet (the seed's parsing request had none).
	h.send(t, topics.CredentialRequest, seedDeployment)
	d := h.credentialReply(t, seedServiceID, 2)
	wantKC := base64.StdEncoding.EncodeToString([]byte(kubeconfigYAML))
	if d.Status != "SUCCESS" || d.Message != "" || d.Data == nil || d.Data.Type != "deployment" {
		t.Fatalf("deployment reply %+v", d)
	}
	sameJSON(t, "echoed serviceOperationRequest", d.Data.ServiceOperationRequest, requestPart(t, seedDeployment, "serviceOperationRequest"))
	if d.Data.KubeConfigAsBase64 != wantKC {
		t.Errorf("kubeConfigAsBase64 is not the stored kubeconfig")
	}
	wantPull := hypowire.ImagePullSecret{SecretName: "my-app-pull-secret", Username: "my-user", Password: "my-password", URL: "https://registry.example.com"}
	if d.Data.ImagePullSecret == nil || *d.Data.ImagePullSecret != wantPull {
		t.Errorf("imagePullSecret %v, want %v", d.Data.ImagePullSecret, wantPull)
	}
	if d.Data.SchedulerNamespace != "" || d.Data.RepoCredentials != nil || d.Data.ServiceOrderRequest != nil {
		t.Errorf("deployment reply: unexpected fields %+v", d.Data)
	}

	// A parsing request naming the scheduler namespace stores it; the
	// lifecycle requests answer with it.
	withNS := strings.Replace(seedParsing, `"schedulerNamespace": ""`, `"schedulerNamespace": "p2code-scheduler-system"`, 1)
	h.send(t, topics.CredentialRequest, withNS)
	if r := h.credentialReply(t, seedServiceID, 3); r.Status != "SUCCESS" {
		t.Fatalf("parsing with namespace: %+v", r)
	}
	for i, typ := range []string{"activation", "termination"} {
		req := strings.Replace(seedDeployment, `"type": "deployment"`, `"type": "`+typ+`"`, 1)
		req = strings.Replace(req, `,
  "secretName": "my-app-pull-secret"`, "", 1)
		h.send(t, topics.CredentialRequest, req)
		r := h.credentialReply(t, seedServiceID, 4+i)
		if r.Status != "SUCCESS" || r.Data.Type != typ || r.Data.KubeConfigAsBase64 != wantKC || r.Data.SchedulerNamespace != "p2code-scheduler-system" || r.Data.ImagePullSecret != nil {
			t.Errorf("%s reply: status %s type %s namespace %q image-pull %v, kubeconfig matches %v", typ, r.Status, r.Data.Type, r.Data.SchedulerNamespace, r.Data.ImagePullSecret, r.Data.KubeConfigAsBase64 == wantKC)
		}
	}

	// registry-retrieve-kubernetes-config: the serviceId as plain text.
	h.send(t, topics.KubeconfigRetrieve, seedClusterID)
	k := h.kubeconfigReply(t, seedClusterID, 1)
	if k.Status != "SUCCESS" || k.Message != "" || k.KubeConfigAsBase64 != wantKC || k.Scope != "CLUSTER" {
		t.Errorf("retrieve reply %v", k)
	}
}

// Kubeconfig store CloudEvents in structured mode and with YAML data,
// NAMESPACE_SA scope, answered in the request's mode.
func TestKubeconfigStoreCloudEventModes(t *testing.T) {
	t.Parallel()
	h := startHypo(t, testkit.EmbeddedKafka)
	wantKC := base64.StdEncoding.EncodeToString([]byte(kubeconfigYAML))

	structured, _ := json.Marshal(map[string]any{
		"specversion": "1.0", "id": "store-structured", "source": "/sonata/cluster-registry",
		"type": hypowire.EventKubeconfigStore, "datacontenttype": "application/json",
		"data": map[string]string{"serviceId": "svc-sa", "kubeConfig": kubeconfigYAML, "scope": "NAMESPACE_SA"},
	})
	h.send(t, topics.KubeconfigStore, string(structured), "content-type", "application/cloudevents+json")
	res, isStructured := h.storeResult(t, "store-structured")
	if !isStructured || res != (hypowire.KubeconfigStoreResult{ServiceID: "svc-sa", Scope: "NAMESPACE_SA", Status: "SUCCESS"}) {
		t.Fatalf("structured store result %+v (structured %v)", res, isStructured)
	}
	h.send(t, topics.KubeconfigRetrieve, `"svc-sa"`)
	if k := h.kubeconfigReply(t, "svc-sa", 1); k.Status != "SUCCESS" || k.Scope != "NAMESPACE_SA" || k.KubeConfigAsBase64 != wantKC {
		t.Errorf("retrieve of the NAMESPACE_SA kubeconfig: %v", k)
	}

	// Structured mode without the content-type header, as some producers
	// send it.
	bare := bytes.Replace(structured, []byte(`"store-structured"`), []byte(`"store-bare"`), 1)
	bare = bytes.Replace(bare, []byte(`"svc-sa"`), []byte(`"svc-bare"`), 1)
	h.send(t, topics.KubeconfigStore, string(bare))
	if res, isStructured := h.storeResult(t, "store-bare"); !isStructured || res.Status != "SUCCESS" || res.ServiceID != "svc-bare" {
		t.Errorf("structured store without content-type: %+v (structured %v)", res, isStructured)
	}

	// Binary mode with the YAML itself as data: service id from the
	// subject, scope from the scope extension.
	h.send(t, topics.KubeconfigStore, kubeconfigYAML,
		"ce_specversion", "1.0", "ce_id", "store-yaml", "ce_source", "/sonata", "ce_type", hypowire.EventKubeconfigStore,
		"ce_subject", "svc-yaml", "ce_scope", "CLUSTER", "content-type", "application/yaml")
	if res, isStructured := h.storeResult(t, "store-yaml"); isStructured || res != (hypowire.KubeconfigStoreResult{ServiceID: "svc-yaml", Scope: "CLUSTER", Status: "SUCCESS"}) {
		t.Errorf("YAML store result %+v (structured %v)", res, isStructured)
	}
	h.send(t, topics.KubeconfigRetrieve, "svc-yaml")
	if k := h.kubeconfigReply(t, "svc-yaml", 1); k.Status != "SUCCESS" || k.KubeConfigAsBase64 != wantKC {
		t.Errorf("retrieve of the YAML-stored kubeconfig: %v", k)
	}
}

// Group policy and Fabric credentials over Kafka land where the REST API
// sees them.
func TestIdentityAndFabricTopics(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			h := startHypo(t, b)
			h.send(t, topics.FabricCredsPersist, `{"controllerId":"ctrl-1","username":"ziti-admin","password":"ziti-pw-1"}`)
			fabric := func() (int, string) {
				r := h.rest(t, http.MethodGet, "/registry-api/fabric/secret/ctrl-1", "")
				return r.Status, string(r.Body)
			}
			waitFor(t, "fabric secret stored", func() bool { s, body := fabric(); return s == http.StatusOK && strings.Contains(body, "ziti-pw-1") })
			h.send(t, topics.FabricCredsPersist, `{"controllerId":"ctrl-1","username":"ziti-admin","password":"ziti-pw-2"}`)
			waitFor(t, "fabric secret replaced", func() bool { s, body := fabric(); return s == http.StatusOK && strings.Contains(body, "ziti-pw-2") })
			h.send(t, topics.FabricCredsDelete, `{"controllerId":"ctrl-1"}`)
			waitFor(t, "fabric secret deleted", func() bool { s, _ := fabric(); return s == http.StatusNotFound })

			// A fresh tenant provisions itself: policy and group.
			tenant := testkit.RandomTenant(t)
			tok := h.reg.OIDC.Token(t, "onboarder@"+tenant, []string{tenant}, "admin")
			h.pm.Send(t, topics.GroupPolicyCreate, "", []byte(`{"groupName":"`+tenant+`"}`), "Authorization", "Bearer "+tok)
			waitFor(t, "group provisioned", func() bool {
				g, err := h.reg.IdentityAdmin().GetGroup(t.Context(), tenant)
				return err == nil && len(g.Policies) == 1 && g.Policies[0] == tenant+"_policy"
			})
			// A platform admin provisions another tenant by its groupName.
			other := testkit.RandomTenant(t)
			root := h.reg.OIDC.Token(t, "root@"+tenant, []string{tenant}, "platform-admin")
			rec := h.pm.Send(t, topics.GroupPolicyCreate, "", []byte(`{"groupName":"`+other+`"}`), "Authorization", "Bearer "+root)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("poison reason: %s", h.poisoned(t, rec))
				}
			})
			waitFor(t, "other tenant provisioned by the platform admin", func() bool {
				g, err := h.reg.IdentityAdmin().GetGroup(t.Context(), other)
				return err == nil && len(g.Policies) == 1 && g.Policies[0] == other+"_policy"
			})
			if h.reg.Vault != nil {
				t.Cleanup(func() {
					for _, tn := range []string{tenant, other} {
						_ = h.reg.IdentityAdmin().DeleteGroup(t.Context(), tn)
						_ = h.reg.IdentityAdmin().DeletePolicy(t.Context(), tn+"_policy")
					}
				})
			}
		})
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
