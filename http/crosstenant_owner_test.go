package rest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/testkit"
)

// Tenant A's side of the cross-tenant matrix: what it stores and what it
// can read back.

func createOwnerResources(t *testing.T, reg *testkit.Registry) crossTenantOwner {
	t.Helper()
	tenant := reg.Tenant(t)
	mark := testkit.RandomTenant(t) // unique values: a hit can only be a leak
	a := crossTenantOwner{
		token:     reg.Token(t, "alice", tenant, "developer"),
		imagePull: ctImagePull, packageRegistry: ctPackageRegistry, fabric: ctFabric, serviceID: ctServiceID,
		secrets: []string{
			"ip-user-" + mark, "ip-pass-" + mark,
			"pr-user-" + mark, "pr-pass-" + mark,
			"fa-user-" + mark, "fa-pass-" + mark,
			"kube-token-" + mark, "kube-user-" + mark,
		},
	}
	for _, c := range []struct{ path, body string }{
		{"/registry-api/image-pull/secret/" + enc(a.imagePull), crossTenantBody(a.secrets[0], a.secrets[1], "https://registry.example.com")},
		{"/registry-api/package-registry/secret/" + enc(a.packageRegistry), crossTenantBody(a.secrets[2], a.secrets[3], a.packageRegistry)},
		{"/registry-api/fabric/secret/" + enc(a.fabric), crossTenantBody(a.secrets[4], a.secrets[5], "")},
	} {
		if r := testkit.Do(t, http.MethodPost, reg.URL+c.path, a.token, []byte(c.body)); r.Status != http.StatusCreated {
			t.Fatalf("A: POST %s: status %d, body %s", c.path, r.Status, r.Body)
		}
	}
	stored := storeOwnerKubeconfig(t, reg, handlers.Caller{Subject: "alice@" + tenant, Tenant: tenant, Roles: []string{"developer"}, Token: a.token},
		a.serviceID, a.secrets[6], a.secrets[7])
	a.secrets = append(a.secrets, stored)
	return a
}

// storeOwnerKubeconfig stores a kubeconfig the way the Kafka ingress does: a
// command on the service's bus (there is no REST route to store one). It
// returns the kubeconfig as stored (Base64), which hides the marks in it.
func storeOwnerKubeconfig(t *testing.T, reg *testkit.Registry, c handlers.Caller, serviceID, token, user string) string {
	t.Helper()
	yaml := `apiVersion: v1
kind: Config
current-context: main
clusters:
- name: main
  cluster:
    server: https://k8s.example.com:6443
contexts:
- name: main
  context:
    cluster: main
    user: ` + user + `
users:
- name: ` + user + `
  user:
    token: ` + token + "\n"
	cmd := &handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: c}, ServiceID: serviceID, KubeconfigYAML: []byte(yaml)}
	reply, err := reg.Bus().Send(context.Background(), cmd, bus.Envelope{Tenant: c.Tenant, CorrelationID: "crosstenant-kubeconfig"})
	if err == nil {
		err = reply.Error.Err()
	}
	if err != nil {
		t.Fatalf("A: store kubeconfig: %v", err)
	}
	return base64.StdEncoding.EncodeToString([]byte(yaml))
}

func crossTenantBody(username, password, url string) string {
	m := map[string]string{"username": username, "password": password}
	if url != "" {
		m["url"] = url
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// ownerView is everything A can read of its own resources, by request.
func ownerView(t *testing.T, reg *testkit.Registry, a crossTenantOwner) map[string]string {
	t.Helper()
	view := map[string]string{}
	for _, path := range []string{
		"/registry-api/image-pull/secret/" + enc(a.imagePull),
		"/registry-api/image-pull/secrets",
		"/registry-api/package-registry/secret/" + enc(a.packageRegistry),
		"/registry-api/package-registry/secrets",
		"/registry-api/fabric/secret/" + enc(a.fabric),
		"/registry-api/fabric/secrets",
		"/registry-api/kube-conf/secrets",
	} {
		r := testkit.Do(t, http.MethodGet, reg.URL+path, a.token, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("A: GET %s: status %d, body %s", path, r.Status, r.Body)
		}
		view["GET "+path] = string(r.Body)
	}
	return view
}
