package hypo_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/internal/security/oidcdev"
	"github.com/hypo-registry/registry/testkit"
)

const poisonTopic = "registry.poison"

// poisoned awaits the poison record of rec and returns its reason.
func (h *hypo) poisoned(t *testing.T, rec *kgo.Record) string {
	t.Helper()
	got := h.pm.Await(t, poisonTopic, 1, 20*time.Second, func(r *kgo.Record) bool {
		return testkit.Header(r, "topic_poisoned") == rec.Topic &&
			testkit.Header(r, "partition") == fmt.Sprint(rec.Partition) &&
			testkit.Header(r, "offset") == fmt.Sprint(rec.Offset)
	})
	return testkit.Header(got[0], "reason_poisoned")
}

// withID is the seed's deployment request for service id.
func withID(payload, id string) string {
	return strings.ReplaceAll(payload, seedServiceID, id)
}

// Every class of bad input: an ERROR reply naming the problem when the
// record names whom to answer, the poison topic otherwise; never a secret,
// never a stored change; the partition keeps flowing (a good request after
// them is answered).
func TestBadRecords(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testBadRecords(t, startHypo(t, b))
		})
	}
}

func testBadRecords(t *testing.T, h *hypo) {
	if r := h.rest(t, http.MethodPost, "/registry-api/image-pull/secret/my-app-pull-secret", seedPullBody); r.Status != http.StatusCreated {
		t.Fatalf("create image-pull secret: %d %s", r.Status, r.Body)
	}
	h.storeBinary(t, "store-ok", seedClusterID, "", kubeconfigYAML)
	if res, _ := h.storeResult(t, "store-ok"); res.Status != "SUCCESS" {
		t.Fatalf("store: %+v", res)
	}

	iss := h.reg.OIDC.Issuer
	mint := func(c oidcdev.Claims) string {
		tok, err := iss.Mint(c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	claims := oidcdev.Claims{Subject: "package-manager@" + h.tenant, Groups: []string{h.tenant}, Roles: []string{"developer"}}
	expired := claims
	expired.IssuedAt, expired.TTL = time.Now().Add(-2*time.Hour), time.Hour
	wrongAud := claims
	wrongAud.Audience = []string{"someone-else"}
	good := mint(claims)
	crit := claims
	crit.Header = map[string]any{"crit": []string{"exp"}} // RFC 7515 §4.1.11, validly signed
	forged := good[:len(good)-6] + strings.Repeat("A", 6)
	other := h.reg.Tenant(t)
	stranger := testkit.RandomTenant(t) // never provisioned
	otherTok := mint(oidcdev.Claims{Subject: "intruder@" + other, Groups: []string{other}, Roles: []string{"developer"}})
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	cases := []struct {
		name    string
		value   string
		headers []string
		id      string // the reply's id; "" means poisoned
		want    string // in the reply's message or the poison reason
	}{
		{"not JSON", `{"type": "parsing", `, bearer(good), "", "kafka-request"},
		{"unknown type", withID(strings.Replace(seedDeployment, `"deployment"`, `"upgrade"`, 1), "bad-type"), bearer(good), "bad-type", "/type"},
		{"missing kubernetesServiceID", withID(strings.Replace(seedDeployment, `"kubernetesServiceID": "c04f3d66-5350-49ea-8b31-ff325f149232",`, "", 1), "bad-missing"), bearer(good), "bad-missing", "kubernetesServiceID"},
		{"wrong type", withID(strings.Replace(seedDeployment, `"activateService": true`, `"activateService": "yes"`, 1), "bad-wrongtype"), bearer(good), "bad-wrongtype", "activateService"},
		{"no Authorization header", withID(seedDeployment, "bad-noauth"), nil, "bad-noauth", "no Authorization header"},
		{"not a bearer header", withID(seedDeployment, "bad-scheme"), []string{"Authorization", "Basic dXNlcjpwdw=="}, "bad-scheme", "Bearer"},
		{"garbage token", withID(seedDeployment, "bad-garbage"), bearer("not-a-jwt"), "bad-garbage", "malformed"},
		{"forged signature", withID(seedDeployment, "bad-forged"), bearer(forged), "bad-forged", "signature"},
		{"expired token", withID(seedDeployment, "bad-expired"), bearer(mint(expired)), "bad-expired", "expired"},
		{"wrong audience", withID(seedDeployment, "bad-aud"), bearer(mint(wrongAud)), "bad-aud", "audience"},
		{"crit header", withID(seedDeployment, "bad-crit"), bearer(mint(crit)), "bad-crit", "crit"},
		{"two Authorization headers", withID(seedDeployment, "bad-twoauth"), append(bearer(good), bearer(otherTok)...), "bad-twoauth", "more than one Authorization header"},
		{"the same token twice", withID(seedDeployment, "bad-sameauth"), append(bearer(good), bearer(good)...), "bad-sameauth", "more than one Authorization header"},
		{"Authorization in two cases", withID(seedDeployment, "bad-caseauth"), append(bearer(good), "authorization", "Bearer "+good), "bad-caseauth", "more than one Authorization header"},
		{"other tenant's serviceId", withID(seedDeployment, "bad-other"), bearer(otherTok), "bad-other", "no kubeconfig stored for service " + seedClusterID},
		{"missing image-pull secret", withID(strings.Replace(seedDeployment, "my-app-pull-secret", "nope", 1), "bad-pull"), bearer(good), "bad-pull", "no image-pull secret nope"},
	}
	sent := map[string]*kgo.Record{}
	for _, c := range cases {
		sent[c.name] = h.pm.Send(t, topics.CredentialRequest, "", []byte(c.value), c.headers...)
	}
	// The partition keeps flowing: a good request after all of them.
	h.send(t, topics.CredentialRequest, withID(seedDeployment, "good-after"))
	if r := h.credentialReply(t, "good-after", 1); r.Status != "SUCCESS" {
		t.Fatalf("good request after bad ones: %+v", r)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.id == "" {
				if reason := h.poisoned(t, sent[c.name]); !strings.Contains(reason, c.want) {
					t.Errorf("poison reason %q, want it to name %q", reason, c.want)
				}
				return
			}
			r := h.credentialReply(t, c.id, 1)
			if r.Status != "ERROR" || !strings.Contains(r.Message, c.want) {
				t.Errorf("reply %s %q, want ERROR naming %q", r.Status, r.Message, c.want)
			}
			if r.Data != nil && (r.Data.KubeConfigAsBase64 != "" || r.Data.ImagePullSecret != nil || r.Data.RepoCredentials != nil) {
				t.Errorf("ERROR reply carries credentials")
			}
		})
	}

	// Kubeconfig topics.
	h.send(t, topics.KubeconfigStore, `{"serviceId":"svc-bad-yaml","kubeConfig":"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"}`,
		"ce_specversion", "1.0", "ce_id", "store-bad-yaml", "ce_source", "/sonata", "ce_type", "io.hypo.registry.kubeconfig.store", "content-type", "application/json")
	if res, _ := h.storeResult(t, "store-bad-yaml"); res.Status != "ERROR" || res.ServiceID != "svc-bad-yaml" || !strings.Contains(res.Reason, "kubeconfig") {
		t.Errorf("non-kubeconfig YAML: %+v", res)
	}
	h.send(t, topics.KubeconfigRetrieve, "svc-bad-yaml")
	if k := h.kubeconfigReply(t, "svc-bad-yaml", 1); k.Status != "ERROR" || k.KubeConfigAsBase64 != "" {
		t.Errorf("a refused kubeconfig was stored: %v", k)
	}
	h.send(t, topics.KubeconfigStore, `{"serviceId":"svc-bad-scope","kubeConfig":"x","scope":"GALAXY"}`,
		"ce_specversion", "1.0", "ce_id", "store-bad-scope", "ce_source", "/sonata", "ce_type", "io.hypo.registry.kubeconfig.store")
	if res, _ := h.storeResult(t, "store-bad-scope"); res.Status != "ERROR" || !strings.Contains(res.Reason, "/scope") || res.Scope != "" {
		t.Errorf("bad scope: %+v", res)
	}
	h.pm.Send(t, topics.KubeconfigStore, "", []byte(`{"serviceId":"svc-noauth","kubeConfig":"x"}`),
		"ce_specversion", "1.0", "ce_id", "store-noauth", "ce_source", "/sonata", "ce_type", "io.hypo.registry.kubeconfig.store")
	if res, _ := h.storeResult(t, "store-noauth"); res.Status != "ERROR" || !strings.Contains(res.Reason, "Authorization") {
		t.Errorf("store without a token: %+v", res)
	}
	if reason := h.poisoned(t, h.send(t, topics.KubeconfigStore, `just some text`)); !strings.Contains(reason, "not a kubeconfig store CloudEvent") {
		t.Errorf("not a CloudEvent: poison reason %q", reason)
	}
	h.pm.Send(t, topics.KubeconfigRetrieve, "", []byte(seedClusterID), bearer(otherTok)...)
	if k := h.kubeconfigReply(t, seedClusterID, 1); k.Status != "ERROR" || k.KubeConfigAsBase64 != "" || !strings.Contains(k.Message, "no kubeconfig") {
		t.Errorf("other tenant's retrieve: %v", k)
	}
	h.send(t, topics.KubeconfigRetrieve, "a/b")
	if k := h.kubeconfigReply(t, "a/b", 1); k.Status != "ERROR" {
		t.Errorf("bad service id: %v", k)
	}
	if reason := h.poisoned(t, h.send(t, topics.KubeconfigRetrieve, "")); reason == "" {
		t.Errorf("empty retrieve: no poison reason")
	}

	// Topics without replies: refused records are poisoned with the reason,
	// and nothing is stored.
	for _, c := range []struct {
		name, topic, value string
		headers            []string
		want               string
	}{
		{"fabric without token", topics.FabricCredsPersist, `{"controllerId":"ctrl-x","username":"u","password":"ziti-pw-x"}`, nil, "no Authorization header"},
		{"fabric expired token", topics.FabricCredsPersist, `{"controllerId":"ctrl-x","username":"u","password":"ziti-pw-x"}`, bearer(mint(expired)), "expired"},
		{"fabric without password", topics.FabricCredsPersist, `{"controllerId":"ctrl-x","username":"u"}`, bearer(good), "password"},
		{"fabric delete of nothing", topics.FabricCredsDelete, `{"controllerId":"ctrl-none"}`, bearer(good), "not_found"},
		{"group policy for another group", topics.GroupPolicyCreate, `{"groupName":"` + stranger + `"}`, bearer(good), "provisions only its own group"},
		{"group policy not JSON", topics.GroupPolicyCreate, `groupName=x`, bearer(good), "group-policy-message"},
	} {
		rec := h.pm.Send(t, c.topic, "", []byte(c.value), c.headers...)
		if reason := h.poisoned(t, rec); !strings.Contains(reason, c.want) {
			t.Errorf("%s: poison reason %q, want it to name %q", c.name, reason, c.want)
		}
	}
	if r := h.rest(t, http.MethodGet, "/registry-api/fabric/secret/ctrl-x", ""); r.Status != http.StatusNotFound {
		t.Errorf("a refused fabric record was stored: %d", r.Status)
	}
	if _, err := h.reg.IdentityAdmin().GetGroup(t.Context(), stranger); err == nil {
		t.Errorf("a group policy record provisioned another tenant")
	}

	// No secret anywhere on the reply and poison topics except in SUCCESS
	// replies to their owner.
	for _, topic := range replyTopics {
		for _, r := range h.pm.Records(topic) {
			if bytes.Contains(r.Value, []byte(`"SUCCESS"`)) && topic != poisonTopic {
				continue
			}
			for _, secret := range []string{"my-password", kubeconfigSecret, "ziti-pw-x", good} {
				if bytes.Contains(r.Value, []byte(secret)) {
					t.Errorf("%s record carries a secret: %s", topic, r.Value)
				}
				for _, hd := range r.Headers {
					if bytes.Contains(hd.Value, []byte(secret)) {
						t.Errorf("%s record header %s carries a secret", topic, hd.Key)
					}
				}
			}
		}
	}
	// Nor in the service's logs.
	for _, secret := range []string{"my-password", kubeconfigSecret, "ziti-pw-x", good} {
		if bytes.Contains(h.reg.Logs.Bytes(), []byte(secret)) {
			t.Errorf("the logs carry a secret (%d bytes)", len(secret))
		}
	}
}
