package hypo_test

import (
	"bufio"
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

// The tolerant reader (issue 15), over a real Kafka-protocol broker: the
// Quarkus client's explicit nulls are absent, an unknown field is ignored,
// counted and logged by name only, what the schemas know stays strict, and
// an unknown type is answered with an ERROR echoing the request.
func TestTolerantReader(t *testing.T) {
	t.Parallel()
	h := startHypo(t, testkit.EmbeddedKafka)
	if r := h.rest(t, http.MethodPost, "/registry-api/package-registry/secret/"+strings.ReplaceAll(seedRepoURL, "/", "%2F"), seedRepoBody); r.Status != http.StatusCreated {
		t.Fatalf("create package-registry secret: %d %s", r.Status, r.Body)
	}
	h.storeBinary(t, "store-tolerant", seedClusterID, "", kubeconfigYAML)
	if res, _ := h.storeResult(t, "store-tolerant"); res.Status != "SUCCESS" {
		t.Fatalf("store: %+v", res)
	}

	// The example: a parsing request as the Quarkus client writes
	// it, the deployment fields null.
	quarkus := strings.Replace(withID(seedParsing, "tolerant-nulls"), `"schedulerNamespace": ""`,
		`"schedulerNamespace": "", "kubernetesServiceID":null, "secretName":null, "serviceOperationRequest": null`, 1)
	h.send(t, topics.CredentialRequest, quarkus)
	p := h.credentialReply(t, "tolerant-nulls", 1)
	if p.Status != "SUCCESS" || p.Data == nil || p.Data.Type != "parsing" {
		t.Fatalf("parsing request with nulls: %+v", p)
	}
	if c := p.Data.RepoCredentials; c == nil || c.Username != "my-user" || c.Password != "my-password" {
		t.Errorf("repoCredentials %v", c)
	}
	sameJSON(t, "echoed serviceOrderRequest", p.Data.ServiceOrderRequest, requestPart(t, quarkus, "serviceOrderRequest"))
	if got := ignoredCount(t, h); got != 0 {
		t.Errorf("nulls counted as %v unknown fields, want 0", got)
	}

	// Unknown fields: ignored, counted, logged by name, never by value.
	const unknownValue = "unknown-value-7f3a"
	extra := strings.Replace(withID(seedDeployment, "tolerant-unknown"), `"secretName": "my-app-pull-secret"`,
		`"priority": "`+unknownValue+`", "url": "https://`+unknownValue+`", "schedulerNamespace": null`, 1)
	h.send(t, topics.CredentialRequest, extra)
	d := h.credentialReply(t, "tolerant-unknown", 1)
	if d.Status != "SUCCESS" || d.Data == nil || d.Data.KubeConfigAsBase64 == "" {
		t.Fatalf("deployment request with unknown fields: %+v", d)
	}
	if got := ignoredCount(t, h); got != 2 {
		t.Errorf("unknown fields counted %v, want 2", got)
	}
	logs := string(h.reg.Logs.Bytes()) // JSON lines
	for _, field := range []string{"/priority", "/url"} {
		named := false
		for _, line := range strings.Split(logs, "\n") {
			named = named || strings.Contains(line, "unknown field ignored") && strings.Contains(line, `"level":"DEBUG"`) && strings.Contains(line, `"field":"`+field+`"`)
		}
		if !named {
			t.Errorf("no DEBUG line names the ignored field %s", field)
		}
	}
	if strings.Contains(logs, unknownValue) {
		t.Errorf("the logs carry an ignored field's value")
	}

	// What the schema knows stays strict: an ERROR reply naming the field.
	for _, c := range []struct{ name, id, from, to, want string }{
		{"required field null", "tolerant-required", `"kubernetesServiceID": "c04f3d66-5350-49ea-8b31-ff325f149232"`, `"kubernetesServiceID": null`, "/kubernetesServiceID: required field missing"},
		{"required nested field missing", "tolerant-nested", `"serviceOrderId": "2c4fecbc-c436-4f8c-a5db-4a1159ebad2a",`, ``, "/serviceOperationRequest/serviceOrderId: required field missing"},
		{"wrong type", "tolerant-type", `"kubernetesServiceID": "c04f3d66-5350-49ea-8b31-ff325f149232"`, `"kubernetesServiceID": 42`, "/kubernetesServiceID: got number, want string"},
		{"known field in another case", "tolerant-case", `"secretName"`, `"SecretName"`, "/SecretName: field not allowed"},
	} {
		h.send(t, topics.CredentialRequest, strings.Replace(withID(seedDeployment, c.id), c.from, c.to, 1))
		r := h.credentialReply(t, c.id, 1)
		if r.Status != "ERROR" || !strings.Contains(r.Message, c.want) {
			t.Errorf("%s: reply %s %q, want ERROR naming %q", c.name, r.Status, r.Message, c.want)
		}
		if r.Data == nil || r.Data.Type != "deployment" || r.Data.KubeConfigAsBase64 != "" {
			t.Errorf("%s: reply data %+v, want the echo without credentials", c.name, r.Data)
		}
	}

	// An unknown type: an ERROR reply echoing the type and the request part.
	upgrade := strings.Replace(withID(seedDeployment, "tolerant-type-unknown"), `"deployment"`, `"upgrade"`, 1)
	h.send(t, topics.CredentialRequest, upgrade)
	u := h.credentialReply(t, "tolerant-type-unknown", 1) // checked against the reply schema
	if u.Status != "ERROR" || !strings.Contains(u.Message, "/type") {
		t.Fatalf("unknown type: %+v", u)
	}
	if u.Data == nil || u.Data.Type != "upgrade" || u.Data.KubeConfigAsBase64 != "" || u.Data.ImagePullSecret != nil {
		t.Fatalf("unknown type: reply data %+v, want the echo of type and request", u.Data)
	}
	sameJSON(t, "echoed serviceOperationRequest", u.Data.ServiceOperationRequest, requestPart(t, upgrade, "serviceOperationRequest"))
	if got := ignoredCount(t, h); got != 2 {
		t.Errorf("unknown fields counted %v after the strict cases, want still 2", got)
	}
}

// ignoredCount reads registry_kafka_unknown_fields_ignored_total for the
// credential request schema from the service's /metrics.
func ignoredCount(t *testing.T, h *hypo) float64 {
	t.Helper()
	r := testkit.Do(t, http.MethodGet, h.reg.URL+"/metrics", "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", r.Status)
	}
	const series = `registry_kafka_unknown_fields_ignored_total{schema="kafka-request"} `
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s%s: %v", series, v, err)
			}
			return n
		}
	}
	t.Fatalf("/metrics has no %s", series)
	return 0
}
