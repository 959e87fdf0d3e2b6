package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// kubeconfig has a distinctive token, so a test can tell it never left the
// store.
const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://edge.k8s.example.com:6443
contexts:
- name: admin@edge
  context:
    cluster: edge
    user: admin
current-context: admin@edge
users:
- name: admin
  user:
    token: console-kc-token-7e1f
`

func TestKubeconfigs(t *testing.T) {
	t.Parallel()
	iss := startStandInIssuer(t)
	reg := consoleRegistry(t, iss)
	tenant := reg.Tenant(t)
	subject := "alice@" + tenant

	// A kubeconfig arrives over Kafka, never over REST or the console: it
	// is stored on the registry's real bus, as the southbound would.
	tok, err := iss.Mint(oidcdev.Claims{Subject: subject, Groups: []string{tenant}})
	if err != nil {
		t.Fatal(err)
	}
	caller := handlers.Caller{Subject: subject, Tenant: tenant, Token: tok}
	reply, err := reg.Bus().Send(context.Background(), &handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: caller},
		ServiceID: "svc-edge", KubeconfigYAML: []byte(kubeconfig)}, bus.Envelope{Tenant: tenant})
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		t.Fatalf("store kubeconfig: %v", err)
	}

	b := newBrowser(t, reg.URL)
	home := signIn(t, b, iss, subject, tenant)
	list := b.get("/console/kubeconfigs")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.body, `data-service="svc-edge"`) || strings.Contains(list.body, "console-kc-token-7e1f") {
		t.Fatalf("kubeconfigs page %d: want svc-edge listed, its content not shown:\n%s", list.StatusCode, list.body)
	}
	issued := b.post("/console/kubeconfigs/token", url.Values{"csrf": {csrf(t, home)}, "serviceId": {"svc-edge"}, "id": {"pod-1"}})
	if issued.StatusCode != http.StatusOK || !strings.Contains(issued.body, `id="terminal-token-value"`) || !strings.Contains(issued.body, "eyJ") {
		t.Fatalf("issue terminal token %d:\n%s", issued.StatusCode, issued.body)
	}
	if p := b.post("/console/kubeconfigs/token", url.Values{"csrf": {csrf(t, home)}, "serviceId": {"svc-none"}, "id": {"pod-1"}}); p.StatusCode != http.StatusNotFound {
		t.Errorf("a token for a service without a kubeconfig: %d, want 404", p.StatusCode)
	}
	if p := b.post("/console/kubeconfigs/token", url.Values{"serviceId": {"svc-edge"}, "id": {"pod-1"}}); p.StatusCode != http.StatusForbidden {
		t.Errorf("a token without the form's CSRF token: %d, want 403", p.StatusCode)
	}

	other := reg.Tenant(t)
	eve := newBrowser(t, reg.URL)
	eveHome := signIn(t, eve, iss, "eve@"+other, other)
	if p := eve.get("/console/kubeconfigs"); strings.Contains(p.body, "svc-edge") {
		t.Error("another tenant sees the kubeconfig")
	}
	if p := eve.post("/console/kubeconfigs/token", url.Values{"csrf": {csrf(t, eveHome)}, "serviceId": {"svc-edge"}, "id": {"pod-1"}}); p.StatusCode != http.StatusNotFound {
		t.Errorf("another tenant's terminal token: %d, want 404", p.StatusCode)
	}
}
