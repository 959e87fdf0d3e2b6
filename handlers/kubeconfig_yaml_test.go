package handlers_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/handlers"
)

func TestStoreKubeconfigRefusesNonKubeconfigs(t *testing.T) {
	t.Parallel()
	h, err := handlers.NewKubeconfigs(newCredentialStore(t), newTestSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	swap := func(old, new string) string { return strings.Replace(kubeconfigYAML, old, new, 1) }
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", "", "empty"},
		{"garbage", "\x00\x01\xff{{{: ]", "not a valid YAML"},
		{"plain text", "hello world", "not a valid YAML"},
		{"a list", "- a\n- b\n", "not a valid YAML"},
		{"a deployment", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n", "want apiVersion v1 and kind Config"},
		{"wrong kind", swap("kind: Config", "kind: Secret"), "want apiVersion v1 and kind Config"},
		{"wrong apiVersion", swap("apiVersion: v1", "apiVersion: v2"), "want apiVersion v1 and kind Config"},
		{"no cluster", swap("clusters:\n- name: edge\n  cluster:\n    server: https://k8s.example.com:6443\n    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n", "clusters: []\n"), "has no cluster"},
		{"cluster without server", swap("server: https://k8s.example.com:6443", "insecure-skip-tls-verify: true"), `cluster "edge" has no http(s) server`},
		{"server not a URL", swap("https://k8s.example.com:6443", "k8s.example.com"), `cluster "edge" has no http(s) server`},
		{"no context", swap("contexts:\n- name: admin@edge", "contexts: []\nxcontexts:\n- name: admin@edge"), "has no context"},
		{"no current-context", swap("current-context: admin@edge", ""), "has no current-context"},
		{"unknown current-context", swap("current-context: admin@edge", "current-context: other"), `current-context "other" is not among`},
		{"context naming no cluster", swap("    cluster: edge", "    cluster: elsewhere"), `context "admin@edge" names no defined cluster`},
		{"two documents", kubeconfigYAML + "---\nkind: Config\n", "one YAML document"},
		{"token where a list belongs", swap("clusters:\n- name: edge", "clusters: "+kubeconfigSecret+"\nx:\n- name: edge"), "not a valid YAML"},
		{"too large", kubeconfigYAML + "# " + strings.Repeat("x", 1<<20) + "\n", "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res, err := h.Store(context.Background(), handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: alice}, ServiceID: "svc-1", KubeconfigYAML: []byte(tc.yaml)})
			if !errors.Is(err, handlers.ErrInvalid) || len(res.Events) != 0 {
				t.Fatalf("err = %v, events %v, want ErrInvalid and none", err, res.Events)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to say %q", err, tc.want)
			}
			if strings.Contains(err.Error(), kubeconfigSecret) {
				t.Errorf("the error quotes the kubeconfig: %v", err)
			}
		})
	}
}

func TestStoreKubeconfigAcceptsJSON(t *testing.T) {
	t.Parallel()
	h, err := handlers.NewKubeconfigs(newCredentialStore(t), newTestSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"https://10.0.0.1"}}],` +
		`"contexts":[{"name":"x","context":{"cluster":"c","user":"u"}}],"current-context":"x","users":[{"name":"u","user":{}}]}`
	if _, err := h.Store(context.Background(), handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: alice}, ServiceID: "svc-1", KubeconfigYAML: []byte(doc)}); err != nil {
		t.Fatalf("a JSON kubeconfig (valid YAML) refused: %v", err)
	}
}
