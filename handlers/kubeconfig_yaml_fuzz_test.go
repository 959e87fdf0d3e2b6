package handlers

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// In-package: checkKubeconfig is the decoder of StoreKubeconfig, and
// driving it through a store per input would fuzz the store instead.

const fuzzKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://k8s.example.com:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t
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

// FuzzCheckKubeconfig: a refusal wraps ErrInvalid and never quotes the
// token; an accepted kubeconfig, read again independently as a YAML tree,
// is one document whose current context is defined once and names a
// cluster, defined once, with an http(s) server: what kubectl needs to use
// it (client-go refuses duplicate names in these lists).
func FuzzCheckKubeconfig(f *testing.F) {
	swap := func(old, new string) string { return strings.Replace(fuzzKubeconfig, old, new, 1) }
	for _, s := range []string{
		fuzzKubeconfig,
		`{"apiVersion":"v1","kind":"Config","clusters":[{"name":"c","cluster":{"server":"https://10.0.0.1"}}],"contexts":[{"name":"x","context":{"cluster":"c"}}],"current-context":"x"}`,
		"", "\x00\x01\xff{{{: ]", "hello world", "- a\n- b\n",
		swap("kind: Config", "kind: Secret"),
		swap("https://k8s.example.com:6443", "k8s.example.com"),
		swap("https://k8s.example.com:6443", "file:///etc/passwd"),
		swap("current-context: admin@edge", "current-context: other"),
		swap("    cluster: edge", "    cluster: elsewhere"),
		fuzzKubeconfig + "---\nkind: Config\n",
		swap("contexts:\n", "contexts:\n- name: admin@edge\n  context:\n    cluster: nowhere\n"),
		swap("clusters:\n", "clusters:\n- name: edge\n  cluster:\n    server: https://evil.example.com\n"),
		swap("apiVersion: v1", "apiVersion: &v v1\nx: *v"),
		swap("current-context:", "- name: admin@edge\n  context:\n    cluster: nowhere\ncurrent-context:"),
		swap("current-context: admin@edge", "current-context: admin@edge\ncurrent-context: other"),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := checkKubeconfig(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("refusal %v is not ErrInvalid", err)
			}
			if strings.Contains(err.Error(), "kc-secret-token-5b7e") {
				t.Fatalf("refusal quotes the token: %v", err)
			}
			return
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(raw, &doc); err != nil || len(doc.Content) != 1 {
			t.Fatalf("accepted %q, which yaml reads as %v", raw, err)
		}
		root := deref(doc.Content[0])
		if scalar(field(root, "apiVersion")) != "v1" || scalar(field(root, "kind")) != "Config" {
			t.Fatalf("accepted %q without apiVersion v1, kind Config", raw)
		}
		current := scalar(field(root, "current-context"))
		ctx := only(t, raw, field(root, "contexts"), current)
		cluster := scalar(field(deref(field(ctx, "context")), "cluster"))
		cl := only(t, raw, field(root, "clusters"), cluster)
		u, err := url.Parse(scalar(field(deref(field(cl, "cluster")), "server")))
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			t.Fatalf("accepted %q: cluster %q has no http(s) server", raw, cluster)
		}
	})
}

// only returns the one entry of the list named name, failing when there is
// none or more than one.
func only(t *testing.T, raw []byte, list *yaml.Node, name string) *yaml.Node {
	t.Helper()
	var found *yaml.Node
	if list = deref(list); list != nil {
		for _, e := range list.Content {
			e = deref(e)
			if scalar(field(e, "name")) != name {
				continue
			}
			if found != nil {
				t.Fatalf("accepted %q, which defines %q twice", raw, name)
			}
			found = e
		}
	}
	if found == nil {
		t.Fatalf("accepted %q, which does not define %q", raw, name)
	}
	return found
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// field is the value of key in mapping m (the last, as yaml.v3 decodes).
func field(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var v *yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if deref(m.Content[i]).Value == key {
			v = deref(m.Content[i+1])
		}
	}
	return v
}

func scalar(n *yaml.Node) string {
	if n = deref(n); n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}
