package handlers_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hypo-registry/registry/events"
	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/terminaltoken"
)

// kubeconfigYAML is a kubeconfig whose token is distinctive, so a test can
// tell it never left the store.
const kubeconfigYAML = `apiVersion: v1
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
    namespace: default
current-context: admin@edge
users:
- name: admin
  user:
    token: kc-secret-token-5b7e
`

const kubeconfigSecret = "kc-secret-token-5b7e"

func newTestSigner(t *testing.T) *terminaltoken.Signer {
	t.Helper()
	s, err := terminaltoken.LoadOrCreate(filepath.Join(t.TempDir(), "terminal-signing.key"), terminaltoken.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func kubeconfigDispatch(t *testing.T, store handlers.SecretStore) func(context.Context, handlers.Command) (handlers.Result, error) {
	h, err := handlers.NewKubeconfigs(store, newTestSigner(t))
	if err != nil {
		t.Fatal(err)
	}
	return func(ctx context.Context, cmd handlers.Command) (handlers.Result, error) {
		switch c := cmd.(type) {
		case handlers.StoreKubeconfig:
			return h.Store(ctx, c)
		case handlers.GetKubeconfig:
			return h.Get(ctx, c)
		case handlers.ListKubeconfigs:
			return h.List(ctx, c)
		case handlers.IssueTerminalToken:
			return h.IssueTerminalToken(ctx, c)
		}
		panic("unknown command")
	}
}

func storeKC(c handlers.Caller, serviceID, scope string) handlers.StoreKubeconfig {
	return handlers.StoreKubeconfig{Auth: handlers.Auth{Caller: c}, ServiceID: serviceID, Scope: scope, KubeconfigYAML: []byte(kubeconfigYAML)}
}

func wantKubeconfig(scope string, version int) func(t *testing.T, reply any) {
	return func(t *testing.T, reply any) {
		got := reply.(handlers.Kubeconfig)
		yaml, err := base64.StdEncoding.DecodeString(got.KubeconfigBase64)
		if err != nil || string(yaml) != kubeconfigYAML || got.Scope != scope || got.Version != version {
			t.Errorf("reply = %+v (decodes: %v), want the kubeconfig as %s version %d", got, err, scope, version)
		}
	}
}

func TestKubeconfigsGivenWhenThen(t *testing.T) {
	t.Parallel()
	auth := func(c handlers.Caller) handlers.Auth { return handlers.Auth{Caller: c} }
	get := func(c handlers.Caller, id string) handlers.GetKubeconfig {
		return handlers.GetKubeconfig{Auth: auth(c), ServiceID: id}
	}
	issue := func(c handlers.Caller, id string) handlers.IssueTerminalToken {
		return handlers.IssueTerminalToken{Auth: auth(c), ServiceID: id, ID: "terminal-1"}
	}
	runCredentialCases(t, kubeconfigDispatch, []credentialCase{
		{name: "store", when: storeKC(alice, "svc-1", ""),
			wantEvents: []string{events.KubeconfigStored}, wantData: map[string]any{"serviceId": "svc-1", "scope": "CLUSTER", "version": 1, "actor": "alice"},
			then: func(t *testing.T, reply any) {
				if got := reply.(handlers.KubeconfigStored); got.Scope != "CLUSTER" || got.Version != 1 {
					t.Errorf("reply = %+v", got)
				}
			}},
		{name: "store namespace sa", when: storeKC(alice, "svc-1", "NAMESPACE_SA"),
			wantEvents: []string{events.KubeconfigStored}, wantData: map[string]any{"scope": "NAMESPACE_SA", "version": 1}},
		{name: "store again is a new version", given: []handlers.Command{storeKC(alice, "svc-1", "CLUSTER")}, when: storeKC(alice, "svc-1", "CLUSTER"),
			wantEvents: []string{events.KubeconfigStored}, wantData: map[string]any{"version": 2}},
		{name: "store unknown scope", when: storeKC(alice, "svc-1", "cluster"), wantErr: handlers.ErrInvalid},
		{name: "store slash service id", when: storeKC(alice, "a/b", ""), wantErr: handlers.ErrInvalid},
		{name: "store dot-dot service id", when: storeKC(alice, "..", ""), wantErr: handlers.ErrInvalid},
		{name: "store without tenant", when: storeKC(handlers.Caller{Subject: "x"}, "svc-1", ""), wantErr: handlers.ErrInvalid},
		{name: "get cluster", given: []handlers.Command{storeKC(alice, "svc-1", "")}, when: get(alice, "svc-1"),
			wantEvents: []string{events.KubeconfigRead}, wantData: map[string]any{"serviceId": "svc-1", "scope": "CLUSTER", "version": 1},
			then: wantKubeconfig("CLUSTER", 1)},
		{name: "get namespace sa", given: []handlers.Command{storeKC(alice, "svc-1", "NAMESPACE_SA")}, when: get(alice, "svc-1"),
			wantEvents: []string{events.KubeconfigRead}, wantData: map[string]any{"scope": "NAMESPACE_SA"}, then: wantKubeconfig("NAMESPACE_SA", 1)},
		{name: "get prefers cluster", given: []handlers.Command{storeKC(alice, "svc-1", "NAMESPACE_SA"), storeKC(alice, "svc-1", "CLUSTER")},
			when: get(alice, "svc-1"), wantEvents: []string{events.KubeconfigRead}, then: wantKubeconfig("CLUSTER", 1)},
		{name: "get missing", when: get(alice, "svc-1"), wantErr: handlers.ErrNotFound},
		{name: "get other tenant's", given: []handlers.Command{storeKC(alice, "svc-1", ""), storeKC(alice, "svc-2", "NAMESPACE_SA")},
			when: get(bob, "svc-1"), wantErr: handlers.ErrNotFound},
		{name: "get other tenant's namespace sa", given: []handlers.Command{storeKC(alice, "svc-2", "NAMESPACE_SA")},
			when: get(bob, "svc-2"), wantErr: handlers.ErrNotFound},
		{name: "list both scopes", given: []handlers.Command{storeKC(alice, "svc-2", "NAMESPACE_SA"), storeKC(alice, "svc-1", ""), storeKC(alice, "svc-2", ""), storeKC(bob, "svc-3", "")},
			when: handlers.ListKubeconfigs{Auth: auth(alice)}, wantEvents: []string{events.KubeconfigsListed}, wantData: map[string]any{"count": 3},
			then: func(t *testing.T, reply any) {
				got := reply.([]handlers.KubeconfigEntry)
				var ids []string
				for _, e := range got {
					ids = append(ids, fmt.Sprintf("%s/%s/%d", e.ServiceID, e.Scope, e.Version))
				}
				if want := "svc-1/CLUSTER/1 svc-2/CLUSTER/1 svc-2/NAMESPACE_SA/1"; strings.Join(ids, " ") != want {
					t.Errorf("list = %v, want %s", ids, want)
				}
			}},
		{name: "list none", when: handlers.ListKubeconfigs{Auth: auth(alice)}, wantEvents: []string{events.KubeconfigsListed}, wantData: map[string]any{"count": 0},
			then: func(t *testing.T, reply any) {
				if got := reply.([]handlers.KubeconfigEntry); got == nil || len(got) != 0 {
					t.Errorf("list = %#v, want an empty list", got)
				}
			}},
		{name: "issue token", given: []handlers.Command{storeKC(alice, "svc-1", "NAMESPACE_SA")}, when: issue(alice, "svc-1"),
			wantEvents: []string{events.TerminalTokenIssued}, wantData: map[string]any{"serviceId": "svc-1", "id": "terminal-1", "scope": "NAMESPACE_SA", "version": 1, "actor": "alice"},
			then: func(t *testing.T, reply any) {
				if got := reply.(handlers.TerminalToken); got.Token == "" || got.TokenType != "Bearer" || got.ExpiresAt.IsZero() {
					t.Errorf("reply = %+v", got)
				}
			}},
		{name: "issue token missing", when: issue(alice, "svc-1"), wantErr: handlers.ErrNotFound},
		{name: "issue token for other tenant's", given: []handlers.Command{storeKC(alice, "svc-1", "")}, when: issue(bob, "svc-1"), wantErr: handlers.ErrNotFound},
		{name: "issue token bad id", given: []handlers.Command{storeKC(alice, "svc-1", "")},
			when: handlers.IssueTerminalToken{Auth: auth(alice), ServiceID: "svc-1", ID: "a/b"}, wantErr: handlers.ErrInvalid},
		{name: "issue token empty id", given: []handlers.Command{storeKC(alice, "svc-1", "")},
			when: handlers.IssueTerminalToken{Auth: auth(alice), ServiceID: "svc-1"}, wantErr: handlers.ErrInvalid},
	})
}

// No event of the kubeconfig commands holds the kubeconfig, the Base64 of
// it, or the token.
func TestKubeconfigEventsHoldNoKubeconfig(t *testing.T) {
	t.Parallel()
	run := kubeconfigDispatch(t, newCredentialStore(t))
	ctx := context.Background()
	b64 := base64.StdEncoding.EncodeToString([]byte(kubeconfigYAML))
	var token string
	for _, cmd := range []handlers.Command{
		storeKC(alice, "svc-1", ""),
		handlers.GetKubeconfig{Auth: handlers.Auth{Caller: alice}, ServiceID: "svc-1"},
		handlers.ListKubeconfigs{Auth: handlers.Auth{Caller: alice}},
		handlers.IssueTerminalToken{Auth: handlers.Auth{Caller: alice}, ServiceID: "svc-1", ID: "t"},
	} {
		res, err := run(ctx, cmd)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		if tok, ok := res.Reply.(handlers.TerminalToken); ok {
			token = tok.Token
		}
		for _, e := range res.Events {
			data := fmt.Sprint(e.Data)
			for _, secret := range []string{kubeconfigSecret, b64, "k8s.example.com", token} {
				if secret != "" && strings.Contains(data, secret) {
					t.Errorf("%s event data holds %q: %s", e.Type, secret, data)
				}
			}
		}
	}
}

func TestNewKubeconfigsRefusesNil(t *testing.T) {
	t.Parallel()
	if _, err := handlers.NewKubeconfigs(nil, newTestSigner(t)); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := handlers.NewKubeconfigs(newCredentialStore(t), nil); err == nil {
		t.Error("nil signer accepted")
	}
}
