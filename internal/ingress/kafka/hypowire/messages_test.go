package hypowire_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
)

func TestOtherIncomingPayloads(t *testing.T) {
	t.Parallel()
	v := newValidator(t)

	creds, err := v.DecodeFabricPersist([]byte(`{"controllerId":"ctrl-1","username":"u","password":"p"}`))
	if err != nil || creds != (hypowire.FabricAuthCreds{ControllerID: "ctrl-1", Username: "u", Password: "p"}) {
		t.Errorf("persist: %+v %v", creds, err)
	}
	if _, err := v.DecodeFabricPersist([]byte(`{"controllerId":"ctrl-1","username":"u"}`)); err == nil || !strings.Contains(err.Error(), "/password: required field missing") {
		t.Errorf("persist without password: %v", err)
	}
	del, err := v.DecodeFabricDelete([]byte(`{"controllerId":"ctrl-1","username":"u","password":"p"}`))
	if err != nil || del != (hypowire.FabricAuthCreds{ControllerID: "ctrl-1"}) {
		t.Errorf("delete: %+v %v", del, err)
	}
	if s := fmt.Sprint(creds); strings.Contains(s, `:p `) || strings.Contains(s, ":p}") {
		t.Errorf("String leaks the password: %s", s)
	}

	for _, p := range []string{`"790daa4d-7f56-4575-8b64-c558cf518bed"`, "790daa4d-7f56-4575-8b64-c558cf518bed\n"} {
		id, err := v.DecodeServiceID([]byte(p))
		if err != nil || id != "790daa4d-7f56-4575-8b64-c558cf518bed" {
			t.Errorf("serviceId %q: %q %v", p, id, err)
		}
	}
	if _, err := v.DecodeServiceID([]byte("../sekrit")); err == nil || strings.Contains(err.Error(), "sekrit") {
		t.Errorf("unsafe serviceId: %v", err)
	}

	if m, err := v.DecodeGroupPolicy(nil); err != nil || m.GroupName != "" {
		t.Errorf("empty group policy message: %+v %v", m, err)
	}
	if m, err := v.DecodeGroupPolicy([]byte(`{"group":"x","groupName":null}`)); err != nil || m.GroupName != "" {
		t.Errorf("group policy with an unknown field and a null: %+v %v", m, err)
	}
	if _, err := v.DecodeGroupPolicy([]byte(`{"GroupName":"x"}`)); err == nil || !strings.Contains(err.Error(), "/GroupName: field not allowed") {
		t.Errorf("group policy with groupName in another case: %v", err)
	}

	d, err := v.DecodeKubeconfigStoreData([]byte(`{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n"}`))
	if err != nil || d.EffectiveScope() != hypowire.ScopeCluster {
		t.Errorf("store data: %v %v", d, err)
	}
	event := `{"specversion":"1.0","id":"e1","source":"sonata","type":"` + hypowire.EventKubeconfigStore +
		`","data":{"serviceId":"svc-1","kubeConfig":"apiVersion: v1\n","scope":"NAMESPACE_SA"}}`
	if d, err := v.DecodeKubeconfigStoreEvent([]byte(event)); err != nil || d.ServiceID != "svc-1" || d.Scope != hypowire.ScopeNamespaceSA {
		t.Errorf("store event: %+v %v", d, err)
	}
	bad := strings.Replace(event, `"scope"`, `"SCOPE"`, 1)
	if _, err := v.DecodeKubeconfigStoreEvent([]byte(bad)); !errors.Is(err, hypowire.ErrInvalid) || !strings.Contains(err.Error(), "/data/SCOPE") {
		t.Errorf("store event with a data member in another case: %v", err)
	}
}

func TestOutgoingPayloadsFitTheirSchemas(t *testing.T) {
	t.Parallel()
	v := newValidator(t)
	cases := []struct {
		name, schema string
		value        any
	}{
		{"kubeconfig found", hypowire.SchemaVaultSecretResponse, hypowire.VaultSecretResponseMessage{
			ServiceID: "svc-1", Status: hypowire.StatusSuccess, KubeConfigAsBase64: "YXBpVmVyc2lvbjogdjEK", Scope: hypowire.ScopeCluster}},
		{"kubeconfig missing", hypowire.SchemaVaultSecretResponse, hypowire.VaultSecretResponseMessage{
			ServiceID: "svc-1", Status: hypowire.StatusError, Message: "not found"}},
		{"store result", hypowire.SchemaKubeconfigStoreResultData, hypowire.KubeconfigStoreResult{
			ServiceID: "svc-1", Scope: hypowire.ScopeNamespaceSA, Status: hypowire.StatusSuccess}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(c.value)
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Validate(c.schema, b); err != nil {
				t.Errorf("%s: %v", b, err)
			}
		})
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	if err := hypowire.DefaultTopics().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := hypowire.DefaultTopics()
	bad.CredentialResponse = bad.CredentialRequest
	bad.KubeconfigStore = ""
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "KubeconfigStore is empty") || !strings.Contains(err.Error(), "share topic") {
		t.Errorf("got %v", err)
	}
}
